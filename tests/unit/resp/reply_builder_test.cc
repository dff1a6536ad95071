#include "common/resp/reply_builder.h"

#include <doctest/doctest.h>

#include <string>

using ember::ReplyBuilder;

TEST_CASE("ReplyBuilder: bulk strings of every framing size") {
  // Lengths around the one- and two-digit headers and the stack-framed limit.
  for (size_t n : {0, 1, 9, 10, 11, 99, 100, 101, 199, 200, 201, 1000, 70000}) {
    std::string out = "prefix";
    ReplyBuilder r(&out);
    std::string s(n, 'x');
    if (n > 0) s[n - 1] = 'y';
    r.Bulk(s);
    CHECK(out == "prefix$" + std::to_string(n) + "\r\n" + s + "\r\n");
  }
}

TEST_CASE("ReplyBuilder: headers, integers and nulls") {
  std::string out;
  ReplyBuilder r(&out);
  r.ArrayHeader(0);
  r.ArrayHeader(7);
  r.ArrayHeader(42);
  r.ArrayHeader(100);
  r.ArrayHeader(-1);
  r.Integer(-5);
  r.Integer(12345678901234LL);
  r.Null();
  r.NullArray();
  CHECK(out == "*0\r\n*7\r\n*42\r\n*100\r\n*-1\r\n:-5\r\n:12345678901234\r\n$-1\r\n*-1\r\n");

  out.clear();
  r.set_resp(3);
  r.Null();
  r.NullArray();
  r.MapHeader(3);
  CHECK(out == "_\r\n_\r\n%3\r\n");
}

TEST_CASE("ReplyBuilder: deferred lengths") {
  std::string out;
  ReplyBuilder r(&out);
  size_t h = r.DeferredLength();
  r.Bulk("a");
  size_t h2 = r.DeferredLength();
  r.SetDeferredArrayLength(h2, 0);
  r.SetDeferredArrayLength(h, 2);
  CHECK(out == "*2\r\n$1\r\na\r\n*0\r\n");
}
