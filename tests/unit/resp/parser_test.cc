#include "common/resp/parser.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

using ember::RequestLimits;
using ember::RequestParser;
using State = ember::RequestParser::State;

namespace {

// Feeds `input` to a parser in pieces of the given sizes, collecting every request.
std::vector<std::vector<std::string>> FeedInChunks(const std::string& input,
                                                   const std::vector<size_t>& chunks,
                                                   std::string* error = nullptr) {
  RequestParser p;
  RequestLimits limits;
  std::vector<std::vector<std::string>> out;
  std::string buf;
  size_t fed = 0, ci = 0;
  while (fed < input.size()) {
    size_t n = chunks.empty() ? input.size() : chunks[ci++ % chunks.size()];
    n = std::min(n, input.size() - fed);
    buf.append(input, fed, n);
    fed += n;
    while (!buf.empty()) {
      size_t used = 0;
      State st = p.Parse(buf.data(), buf.size(), limits, &used);
      if (st == State::kNeedMore) break;
      if (st == State::kError) {
        if (error) *error = p.error();
        return out;
      }
      if (!p.args().empty()) out.emplace_back(p.args().begin(), p.args().end());
      buf.erase(0, used);
    }
  }
  return out;
}

using namespace std::string_literals;

// The literal holds a NUL byte inside a bulk argument, hence the ""s.
const std::string kPipeline =
    "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"
    "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"
    "PING\r\n"
    "*1\r\n$0\r\n\r\n"
    "set \"a b\" 'c d'\n"
    "*0\r\n"
    "\r\n"
    "*2\r\n$4\r\nECHO\r\n$10\r\nbin\r\n\0ary!\r\n"s;

void CheckPipeline(const std::vector<std::vector<std::string>>& got) {
  REQUIRE(got.size() == 6);
  CHECK(got[0] == std::vector<std::string>{"SET", "key", "value"});
  CHECK(got[1] == std::vector<std::string>{"GET", "key"});
  CHECK(got[2] == std::vector<std::string>{"PING"});
  CHECK(got[3] == std::vector<std::string>{""});
  CHECK(got[4] == std::vector<std::string>{"set", "a b", "c d"});
  CHECK(got[5] == std::vector<std::string>{"ECHO", "bin\r\n\0ary!"s});
}

}  // namespace

TEST_CASE("request parser: whole buffer") { CheckPipeline(FeedInChunks(kPipeline, {})); }

TEST_CASE("request parser: byte by byte") { CheckPipeline(FeedInChunks(kPipeline, {1})); }

TEST_CASE("request parser: random chunks") {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; round++) {
    std::vector<size_t> chunks;
    for (int i = 0; i < 20; i++) chunks.push_back(1 + rng() % 17);
    CheckPipeline(FeedInChunks(kPipeline, chunks));
  }
}

TEST_CASE("request parser: the buffer may move between calls") {
  RequestParser p;
  RequestLimits limits;
  std::string input = "*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n";
  size_t used = 0;
  std::string first = input.substr(0, 12);
  CHECK(p.Parse(first.data(), first.size(), limits, &used) == State::kNeedMore);
  std::string moved = input;  // a different allocation with the same bytes
  REQUIRE(p.Parse(moved.data(), moved.size(), limits, &used) == State::kOk);
  CHECK(used == input.size());
  CHECK(p.args()[1] == "hello");
}

TEST_CASE("request parser: malformed input gets Redis's errors") {
  auto err = [](const std::string& in) {
    std::string e;
    FeedInChunks(in, {}, &e);
    return e;
  };
  CHECK(err("*abc\r\n") == "Protocol error: invalid multibulk length");
  CHECK(err("*3000000000\r\n") == "Protocol error: invalid multibulk length");
  CHECK(err("*1\r\n+foo\r\n") == "Protocol error: expected '$', got '+'");
  CHECK(err("*1\r\n$-1\r\n") == "Protocol error: invalid bulk length");
  CHECK(err("*1\r\n$abc\r\n") == "Protocol error: invalid bulk length");
  CHECK(err("*1\r\n$600000000\r\n") == "Protocol error: invalid bulk length");
  CHECK(err("set \"unbalanced\n") == "Protocol error: unbalanced quotes in request");
  CHECK(err(std::string(70000, 'a')) == "Protocol error: too big inline request");
  CHECK(err("*" + std::string(70000, '1')) == "Protocol error: too big mbulk count string");
  CHECK(err("*1\r\n$" + std::string(70000, '1')) == "Protocol error: too big bulk count string");
}

TEST_CASE("request parser: unauthenticated limits") {
  RequestParser p;
  RequestLimits limits;
  limits.unauthenticated = true;
  size_t used;
  std::string big = "*11\r\n";
  CHECK(p.Parse(big.data(), big.size(), limits, &used) == State::kError);
  CHECK(p.error() == "Protocol error: unauthenticated multibulk length");
  p.Reset();
  std::string bulk = "*1\r\n$16385\r\n";
  CHECK(p.Parse(bulk.data(), bulk.size(), limits, &used) == State::kError);
  CHECK(p.error() == "Protocol error: unauthenticated bulk length");
}

TEST_CASE("request parser: reports bytes still needed for a large bulk") {
  RequestParser p;
  RequestLimits limits;
  std::string head = "*1\r\n$100000\r\nabc";
  size_t used;
  CHECK(p.Parse(head.data(), head.size(), limits, &used) == State::kNeedMore);
  CHECK(p.BytesStillNeeded(head.size()) == 100000 - 3 + 2);
}
