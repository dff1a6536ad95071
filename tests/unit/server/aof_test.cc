// The AOF manifest: Redis 7.0's line format, both ways, and its error messages.
#include "server/aof.h"

#include <doctest/doctest.h>

#include <string>

using ember::AofFileInfo;
using ember::AofManifest;

namespace {

std::string ParseError(const std::string& text, int* line_no = nullptr) {
  AofManifest m;
  std::string err, line;
  int n = 0;
  if (AofManifest::Parse(text, &m, &err, &n, &line)) return "";
  if (line_no) *line_no = n;
  return err;
}

}  // namespace

TEST_CASE("aof manifest: parse and format round trip") {
  std::string text =
      "file appendonly.aof.3.base.rdb seq 3 type b\n"
      "file appendonly.aof.2.incr.aof seq 2 type h\n"
      "file appendonly.aof.4.incr.aof seq 4 type i\n"
      "file appendonly.aof.5.incr.aof seq 5 type i\n";
  AofManifest m;
  std::string err, line;
  int n = 0;
  REQUIRE(AofManifest::Parse(text, &m, &err, &n, &line));
  REQUIRE(m.base.has_value());
  CHECK(m.base->name == "appendonly.aof.3.base.rdb");
  CHECK(m.curr_base_seq == 3);
  CHECK(m.curr_incr_seq == 5);
  REQUIRE(m.history.size() == 1);
  CHECK(m.history[0].type == 'h');
  REQUIRE(m.incr.size() == 2);
  CHECK(m.Format() == text);
}

TEST_CASE("aof manifest: comments, extra keys, quoted names") {
  AofManifest m;
  std::string err, line;
  int n = 0;
  REQUIRE(AofManifest::Parse("# comment\nfile \"my file.aof\" seq 1 type i future x\n", &m, &err,
                             &n, &line));
  REQUIRE(m.incr.size() == 1);
  CHECK(m.incr[0].name == "my file.aof");
  CHECK(m.Format() == "file \"my file.aof\" seq 1 type i\n");
}

TEST_CASE("aof manifest: errors as Redis words them") {
  CHECK(ParseError("") == "Found an empty AOF manifest");
  CHECK(ParseError("file a seq 1\n") == "Invalid AOF manifest file format");
  CHECK(ParseError("\n") == "Invalid AOF manifest file format");
  CHECK(ParseError("file a seq 1 type b") == "The AOF manifest file contains too long line");
  CHECK(ParseError("file a/b seq 1 type b\n") == "File can't be a path, just a filename");
  CHECK(ParseError("file a seq 0 type b\n") == "Invalid AOF manifest file format");
  CHECK(ParseError("file a seq 1 type b\nfile b seq 2 type b\n") ==
        "Found duplicate base file information");
  int line_no = 0;
  CHECK(ParseError("file a seq 2 type i\nfile b seq 2 type i\n", &line_no) ==
        "Found a non-monotonic sequence number");
  CHECK(line_no == 2);
  CHECK(ParseError("file a seq 1 type z\n") == "Unknown AOF file type");
  CHECK(ParseError(std::string(1100, 'x') + "\n") ==
        "The AOF manifest file contains too long line");
}
