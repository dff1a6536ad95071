#include <doctest/doctest.h>

#include <random>
#include <string>

#include "common/repl/backlog.h"

namespace ember {

namespace {
std::string From(const ReplBacklog& b, int64_t offset) {
  std::string out;
  b.CopyFrom(offset, &out);
  return out;
}
}  // namespace

TEST_CASE("repl backlog: offsets and contents while growing") {
  ReplBacklog b(16, 100);  // master_repl_offset 100 at creation
  CHECK(b.histlen() == 0);
  CHECK(b.first_offset() == 101);
  CHECK(b.Covers(101));  // a replica that applied 100 bytes: nothing to send
  CHECK_FALSE(b.Covers(100));
  CHECK_FALSE(b.Covers(102));
  CHECK(From(b, 101).empty());
  b.Append("hello");
  CHECK(b.end_offset() == 105);
  CHECK(b.first_offset() == 101);
  CHECK(From(b, 101) == "hello");
  CHECK(From(b, 103) == "llo");
  CHECK(From(b, 106).empty());
  CHECK_FALSE(b.Covers(107));
}

TEST_CASE("repl backlog: wraps and keeps the newest bytes") {
  ReplBacklog b(8, 0);
  b.Append("abcdef");
  b.Append("ghij");  // 10 bytes in an 8-byte ring
  CHECK(b.histlen() == 8);
  CHECK(b.end_offset() == 10);
  CHECK(b.first_offset() == 3);
  CHECK(From(b, 3) == "cdefghij");
  CHECK(From(b, 7) == "ghij");
  CHECK_FALSE(b.Covers(2));
  b.Append("0123456789xy");  // longer than the ring
  CHECK(From(b, b.first_offset()) == "456789xy");
  CHECK(b.first_offset() == 15);
  b.Resize(4);
  CHECK(From(b, b.first_offset()) == "89xy");
  CHECK(b.end_offset() == 22);
  b.Resize(6);
  b.Append("Z");
  CHECK(From(b, b.first_offset()) == "89xyZ");
}

TEST_CASE("repl backlog: random appends match a plain string") {
  std::mt19937 rng(7);
  for (size_t cap : {1u, 7u, 64u, 1000u}) {
    ReplBacklog b(cap, 42);
    std::string all;
    for (int i = 0; i < 500; i++) {
      std::string chunk(rng() % (cap * 2 + 3), 'a');
      for (char& ch : chunk) ch = char('a' + rng() % 26);
      b.Append(chunk);
      all += chunk;
      size_t keep = std::min(all.size(), cap);
      REQUIRE(b.histlen() == keep);
      REQUIRE(b.end_offset() == 42 + int64_t(all.size()));
      int64_t off = b.first_offset() + int64_t(rng() % (keep + 1));
      REQUIRE(From(b, off) == all.substr(all.size() - size_t(b.end_offset() + 1 - off)));
    }
  }
}

}  // namespace ember
