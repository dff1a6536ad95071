#include "common/util/strings.h"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace ember {
namespace {

using namespace std::string_literals;

bool ParsesInt(std::string_view s, int64_t expect) {
  int64_t v = 12345;
  return StringToInt64(s, &v) && v == expect;
}

bool RejectsInt(std::string_view s) {
  int64_t v = 12345;
  return !StringToInt64(s, &v) && v == 12345;
}

std::vector<std::string> Split(std::string_view line, bool* ok) {
  std::vector<std::string> out{"junk"};
  *ok = SplitArgs(line, &out);
  return out;
}

TEST_CASE("StringToInt64 follows string2ll") {
  CHECK(ParsesInt("0", 0));
  CHECK(ParsesInt("1", 1));
  CHECK(ParsesInt("-1", -1));
  CHECK(ParsesInt("1234567890", 1234567890));
  CHECK(ParsesInt("9223372036854775807", INT64_MAX));
  CHECK(ParsesInt("-9223372036854775808", INT64_MIN));

  CHECK(RejectsInt(""));
  CHECK(RejectsInt("-"));
  CHECK(RejectsInt("-0"));
  CHECK(RejectsInt("+1"));
  CHECK(RejectsInt(" 1"));
  CHECK(RejectsInt("1 "));
  CHECK(RejectsInt("01"));
  CHECK(RejectsInt("00"));
  CHECK(RejectsInt("-01"));
  CHECK(RejectsInt("1a"));
  CHECK(RejectsInt("1.0"));
  CHECK(RejectsInt("0x10"));
  CHECK(RejectsInt("9223372036854775808"));
  CHECK(RejectsInt("-9223372036854775809"));
  CHECK(RejectsInt("18446744073709551616"));
  CHECK(RejectsInt("99999999999999999999"));
  CHECK(RejectsInt("1\0"s));
  CHECK(RejectsInt("\0"s));
}

TEST_CASE("StringToInt64 round-trips random values") {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    int64_t v = static_cast<int64_t>(rng()) >> (rng() % 64);
    std::string s = std::to_string(v);
    int64_t parsed = 0;
    REQUIRE(StringToInt64(s, &parsed));
    CHECK(parsed == v);
  }
}

TEST_CASE("StringToUint64 uses the same strict rules") {
  uint64_t v = 0;
  CHECK((StringToUint64("0", &v) && v == 0));
  CHECK((StringToUint64("42", &v) && v == 42));
  CHECK((StringToUint64("9223372036854775808", &v) && v == 9223372036854775808ULL));
  CHECK((StringToUint64("18446744073709551615", &v) && v == UINT64_MAX));
  CHECK_FALSE(StringToUint64("18446744073709551616", &v));
  CHECK_FALSE(StringToUint64("-1", &v));
  CHECK_FALSE(StringToUint64("-0", &v));
  CHECK_FALSE(StringToUint64("+1", &v));
  CHECK_FALSE(StringToUint64("01", &v));
  CHECK_FALSE(StringToUint64(" 1", &v));
  CHECK_FALSE(StringToUint64("", &v));
}

TEST_CASE("StringToDouble follows getDoubleFromObject") {
  double d = 0;
  CHECK((StringToDouble("1e3", &d) && d == 1000.0));
  CHECK((StringToDouble("1.5", &d) && d == 1.5));
  CHECK((StringToDouble("-1.5", &d) && d == -1.5));
  CHECK((StringToDouble("+1.5", &d) && d == 1.5));
  CHECK((StringToDouble(".5", &d) && d == 0.5));
  CHECK((StringToDouble("5.", &d) && d == 5.0));
  CHECK((StringToDouble("0", &d) && d == 0.0));
  CHECK((StringToDouble("-0", &d) && d == 0.0 && std::signbit(d)));
  CHECK((StringToDouble("01", &d) && d == 1.0));
  CHECK((StringToDouble("0x10", &d) && d == 16.0));  // strtod syntax, as in Redis.
  CHECK((StringToDouble("inf", &d) && std::isinf(d) && d > 0));
  CHECK((StringToDouble("+inf", &d) && std::isinf(d) && d > 0));
  CHECK((StringToDouble("-inf", &d) && std::isinf(d) && d < 0));
  CHECK((StringToDouble("Infinity", &d) && std::isinf(d)));
  CHECK((StringToDouble("4.9e-324", &d) && d > 0));  // Denormal: accepted.

  CHECK_FALSE(StringToDouble("", &d));
  CHECK_FALSE(StringToDouble("nan", &d));
  CHECK_FALSE(StringToDouble("-nan", &d));
  CHECK_FALSE(StringToDouble("NaN", &d));
  CHECK_FALSE(StringToDouble(" 1", &d));
  CHECK_FALSE(StringToDouble("\t1", &d));
  CHECK_FALSE(StringToDouble("1 ", &d));
  CHECK_FALSE(StringToDouble("1x", &d));
  CHECK_FALSE(StringToDouble("1e", &d));
  CHECK_FALSE(StringToDouble("abc", &d));
  CHECK_FALSE(StringToDouble("1e400", &d));   // Overflow.
  CHECK_FALSE(StringToDouble("-1e400", &d));  // Overflow.
  CHECK_FALSE(StringToDouble("1e-400", &d));  // Underflow to zero.
  CHECK_FALSE(StringToDouble("1\0"s, &d));
  CHECK_FALSE(StringToDouble("1,5", &d));

  // A long input (beyond any small buffer) still parses.
  std::string long_num = "1." + std::string(300, '0');
  CHECK((StringToDouble(long_num, &d) && d == 1.0));
}

TEST_CASE("StringToLongDouble follows string2ld") {
  long double d = 0;
  CHECK((StringToLongDouble("10.5", &d) && d == 10.5L));
  CHECK((StringToLongDouble("1e3", &d) && d == 1000.0L));
  CHECK((StringToLongDouble("-inf", &d) && std::isinf(d) && d < 0));
  CHECK((StringToLongDouble("+inf", &d) && std::isinf(d)));
  CHECK((StringToLongDouble("1e400", &d) && d > 1e300L));  // Fits in a long double.
  CHECK_FALSE(StringToLongDouble("1e5000", &d));
  CHECK_FALSE(StringToLongDouble("1e-5000", &d));
  CHECK_FALSE(StringToLongDouble("nan", &d));
  CHECK_FALSE(StringToLongDouble("", &d));
  CHECK_FALSE(StringToLongDouble(" 1", &d));
  CHECK_FALSE(StringToLongDouble("1 ", &d));
  CHECK_FALSE(StringToLongDouble("1\0"s, &d));
  // Redis refuses inputs of 5120 bytes or more outright.
  std::string almost = "1." + std::string(5117, '0');
  CHECK(almost.size() == 5119);
  CHECK((StringToLongDouble(almost, &d) && d == 1.0L));
  CHECK_FALSE(StringToLongDouble(almost + "0", &d));
}

TEST_CASE("Int64ToChars and Int64ToString") {
  char buf[21];
  std::memset(buf, 'x', sizeof(buf));
  CHECK(Int64ToChars(INT64_MIN, buf) == 20);
  CHECK(std::string(buf) == "-9223372036854775808");
  CHECK(Int64ToChars(0, buf) == 1);
  CHECK(std::string(buf) == "0");
  CHECK(Int64ToString(INT64_MAX) == "9223372036854775807");
  CHECK(Int64ToString(-1) == "-1");
  CHECK(Int64ToString(10) == "10");
  CHECK(Int64ToString(99) == "99");
  CHECK(Int64ToString(100) == "100");
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    int64_t v = static_cast<int64_t>(rng()) >> (rng() % 64);
    CHECK(Int64ToString(v) == std::to_string(v));
  }
}

TEST_CASE("DoubleToString prints like Redis's addReplyDouble") {
  CHECK(DoubleToString(1.0) == "1");
  CHECK(DoubleToString(3.0) == "3");
  CHECK(DoubleToString(1.5) == "1.5");
  CHECK(DoubleToString(-2.25) == "-2.25");
  CHECK(DoubleToString(0.1) == "0.10000000000000001");
  CHECK(DoubleToString(10.6) == "10.6");
  CHECK(DoubleToString(3.14) == "3.1400000000000001");
  CHECK(DoubleToString(0.0) == "0");
  CHECK(DoubleToString(-0.0) == "-0");
  CHECK(DoubleToString(1e17) == "1e+17");
  CHECK(DoubleToString(1e16) == "10000000000000000");
  CHECK(DoubleToString(123456789012345678.0) == "1.2345678901234568e+17");
  CHECK(DoubleToString(1e-5) == "1.0000000000000001e-05");
  CHECK(DoubleToString(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(DoubleToString(-std::numeric_limits<double>::infinity()) == "-inf");
  CHECK(DoubleToString(std::numeric_limits<double>::quiet_NaN()) == "nan");

  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof(v));
    if (i % 2) v = static_cast<double>(static_cast<int64_t>(rng()) >> (rng() % 64)) / 1000.0;
    if (std::isinf(v) || std::isnan(v)) continue;
    char ref[64];
    std::snprintf(ref, sizeof(ref), "%.17g", v);
    CHECK(DoubleToString(v) == ref);
  }
}

TEST_CASE("LongDoubleToHumanString matches ld2string LD_STR_HUMAN") {
  CHECK(LongDoubleToHumanString(10.5L) == "10.5");
  CHECK(LongDoubleToHumanString(3.0L) == "3");
  CHECK(LongDoubleToHumanString(0.0L) == "0");
  CHECK(LongDoubleToHumanString(-0.0L) == "0");
  CHECK(LongDoubleToHumanString(-1e-30L) == "0");  // "-0.000..." collapses to "0".
  CHECK(LongDoubleToHumanString(-2.5L) == "-2.5");
  CHECK(LongDoubleToHumanString(1e20L) == "100000000000000000000");
  CHECK(LongDoubleToHumanString(std::numeric_limits<long double>::infinity()) == "inf");
  CHECK(LongDoubleToHumanString(-std::numeric_limits<long double>::infinity()) == "-inf");
  // Largest finite value: thousands of digits, no exponent.
  std::string max = LongDoubleToHumanString(std::numeric_limits<long double>::max());
  CHECK(max.size() > 4900);
  CHECK(max.find('e') == std::string::npos);

  // The INCRBYFLOAT documentation examples.
  auto incr = [](const char* a, const char* b) {
    long double x = 0, y = 0;
    REQUIRE(StringToLongDouble(a, &x));
    REQUIRE(StringToLongDouble(b, &y));
    return LongDoubleToHumanString(x + y);
  };
  CHECK(incr("10.50", "0.1") == "10.6");
  CHECK(incr("10.6", "-5") == "5.6");
  CHECK(incr("5.0e3", "2.0e2") == "5200");

  for (long double v : {0.1L, 1.25L, -7.0L, 123456.789L, 1e-10L, 2.5e15L}) {
    char ref[128];
    std::snprintf(ref, sizeof(ref), "%.17Lf", v);
    std::string expect = ref;
    while (expect.back() == '0') expect.pop_back();
    if (expect.back() == '.') expect.pop_back();
    CHECK(LongDoubleToHumanString(v) == expect);
  }
}

TEST_CASE("GlobMatch basics") {
  CHECK(GlobMatch("*", "anything"));
  CHECK(GlobMatch("h?llo", "hello"));
  CHECK(GlobMatch("h?llo", "hallo"));
  CHECK_FALSE(GlobMatch("h?llo", "hllo"));
  CHECK(GlobMatch("h*llo", "hllo"));
  CHECK(GlobMatch("h*llo", "heeeello"));
  CHECK(GlobMatch("h[ae]llo", "hello"));
  CHECK(GlobMatch("h[ae]llo", "hallo"));
  CHECK_FALSE(GlobMatch("h[ae]llo", "hillo"));
  CHECK(GlobMatch("h[^e]llo", "hallo"));
  CHECK_FALSE(GlobMatch("h[^e]llo", "hello"));
  CHECK(GlobMatch("h[a-b]llo", "hbllo"));
  CHECK_FALSE(GlobMatch("h[a-b]llo", "hcllo"));
  CHECK(GlobMatch("[a-z]", "q"));
  CHECK_FALSE(GlobMatch("[a-z]", "Q"));
  CHECK(GlobMatch("[z-a]", "q"));  // Reversed bounds are swapped.
  CHECK(GlobMatch("[^x]", "y"));
  CHECK_FALSE(GlobMatch("[^x]", "x"));
  CHECK(GlobMatch("user:*:name", "user:1000:name"));
  CHECK_FALSE(GlobMatch("user:*:name", "user:1000:email"));
  CHECK(GlobMatch("a*", "a"));
  CHECK(GlobMatch("a**", "a"));
  CHECK(GlobMatch("**a", "a"));
  CHECK_FALSE(GlobMatch("a", "ab"));
  CHECK_FALSE(GlobMatch("ab", "a"));
  CHECK(GlobMatch("", ""));
  CHECK_FALSE(GlobMatch("", "a"));
  // Redis quirk: the empty string matches only the empty pattern, not even "*".
  CHECK_FALSE(GlobMatch("*", ""));
  CHECK_FALSE(GlobMatch("?", ""));
}

TEST_CASE("GlobMatch escapes and odd classes") {
  CHECK(GlobMatch("\\*", "*"));
  CHECK_FALSE(GlobMatch("\\*", "a"));
  CHECK(GlobMatch("a\\?b", "a?b"));
  CHECK_FALSE(GlobMatch("a\\?b", "axb"));
  CHECK(GlobMatch("\\\\", "\\"));
  CHECK(GlobMatch("a\\", "a\\"));  // A trailing lone backslash is literal.
  CHECK(GlobMatch("[\\]]", "]"));
  CHECK(GlobMatch("[\\-]", "-"));
  CHECK_FALSE(GlobMatch("[\\-]", "\\"));
  CHECK_FALSE(GlobMatch("[]", "]"));  // "]" closes an empty class.
  CHECK(GlobMatch("[abc", "b"));      // Unterminated class ends with the pattern.
  CHECK_FALSE(GlobMatch("[abc", "d"));
  CHECK(GlobMatch("[^abc", "d"));
  CHECK(GlobMatch("[a-]", "_"));  // "a-]" is a range from ']' to 'a'.
  CHECK_FALSE(GlobMatch("[a-]", "-"));
  CHECK(GlobMatch("*[*]", "x*"));
  CHECK(GlobMatch("[?]", "?"));
  CHECK_FALSE(GlobMatch("[?]", "x"));
}

TEST_CASE("GlobMatch nocase") {
  CHECK(GlobMatch("HeLLo", "hello", true));
  CHECK_FALSE(GlobMatch("HeLLo", "hello", false));
  CHECK(GlobMatch("h[A-Z]llo", "hello", true));
  CHECK_FALSE(GlobMatch("h[A-Z]llo", "hello", false));
  CHECK(GlobMatch("h[E]llo", "hello", true));
  CHECK_FALSE(GlobMatch("[^E]", "e", true));
  CHECK(GlobMatch("*WORLD", "hello world", true));
  // Escaped class members are compared exactly even in nocase mode (as in Redis).
  CHECK_FALSE(GlobMatch("[\\E]", "e", true));
  CHECK(GlobMatch("\\E", "e", true));
}

TEST_CASE("GlobMatch binary and embedded NUL bytes") {
  CHECK(GlobMatch("a?c"s, "a\0c"s));
  CHECK(GlobMatch("a\0*"s, "a\0bc"s));
  CHECK_FALSE(GlobMatch("a\0"s, "a"s));
  CHECK(GlobMatch("\xff*", "\xff\xfe"));
}

TEST_CASE("GlobMatch is fast on pathological patterns") {
  std::string str(4000, 'a');
  std::string pat;
  for (int i = 0; i < 200; ++i) pat += "a*";
  pat += "b";
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(GlobMatch(pat, str));
  CHECK(GlobMatch(pat.substr(0, pat.size() - 1), str));
  std::string many_stars(100000, '*');
  CHECK(GlobMatch(many_stars + "a", str));
  CHECK_FALSE(GlobMatch(many_stars + "b", str));
  std::string stars_between;
  for (int i = 0; i < 5000; ++i) stars_between += "*?";
  CHECK_FALSE(GlobMatch(stars_between, str));  // Needs 5000 bytes, only 4000 present.
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(secs < 2.0);
}

TEST_CASE("SplitArgs plain tokens") {
  bool ok = false;
  CHECK(Split("set foo bar", &ok) == std::vector<std::string>{"set", "foo", "bar"});
  CHECK(ok);
  CHECK(Split("  set\t foo \r\n", &ok) == std::vector<std::string>{"set", "foo"});
  CHECK(ok);
  CHECK(Split("", &ok).empty());
  CHECK(ok);
  CHECK(Split("   \t\n", &ok).empty());
  CHECK(ok);
  // \v and \f separate only before a token starts; inside an unquoted token they are kept.
  CHECK(Split("\v\fa\vb c", &ok) == std::vector<std::string>{"a\vb", "c"});
  CHECK(ok);
  // A raw NUL ends the line, as for a C string.
  CHECK(Split("a b\0c d"s, &ok) == std::vector<std::string>{"a", "b"});
  CHECK(ok);
}

TEST_CASE("SplitArgs double quotes and escapes") {
  bool ok = false;
  CHECK(Split("set \"foo bar\" baz", &ok) == std::vector<std::string>{"set", "foo bar", "baz"});
  CHECK(ok);
  CHECK(Split("\"\\x41\"", &ok) == std::vector<std::string>{"A"});
  CHECK(ok);
  CHECK(Split("\"\\x4a\\x4B\\x00z\"", &ok) == std::vector<std::string>{"JK\0z"s});
  CHECK(ok);
  CHECK(Split("\"\\xff\"", &ok) == std::vector<std::string>{"\xff"});
  CHECK(ok);
  // Not a valid \x escape: backslash drops, the rest is literal.
  CHECK(Split("\"\\x4g\"", &ok) == std::vector<std::string>{"x4g"});
  CHECK(ok);
  CHECK(Split("\"a\\nb\\r\\t\\b\\a\\\\\\\"\\q\"", &ok) ==
        std::vector<std::string>{"a\nb\r\t\b\a\\\"q"});
  CHECK(ok);
  CHECK(Split("\"\"", &ok) == std::vector<std::string>{""});
  CHECK(ok);
  CHECK(Split("a \"\" b", &ok) == std::vector<std::string>{"a", "", "b"});
  CHECK(ok);
  // A quote can open in the middle of an unquoted token.
  CHECK(Split("a\"b c\" d", &ok) == std::vector<std::string>{"ab c", "d"});
  CHECK(ok);
  CHECK(Split("\"foo\"\tbar", &ok) == std::vector<std::string>{"foo", "bar"});
  CHECK(ok);
  CHECK(Split("\"foo\"\vbar", &ok) == std::vector<std::string>{"foo", "bar"});
  CHECK(ok);
}

TEST_CASE("SplitArgs single quotes") {
  bool ok = false;
  CHECK(Split("'it\\'s' x", &ok) == std::vector<std::string>{"it's", "x"});
  CHECK(ok);
  CHECK(Split("'a\\nb'", &ok) == std::vector<std::string>{"a\\nb"});
  CHECK(ok);
  CHECK(Split("'\\x41'", &ok) == std::vector<std::string>{"\\x41"});
  CHECK(ok);
  CHECK(Split("'say \"hi\"'", &ok) == std::vector<std::string>{"say \"hi\""});
  CHECK(ok);
}

TEST_CASE("SplitArgs errors") {
  bool ok = true;
  CHECK(Split("\"foo", &ok).empty());
  CHECK_FALSE(ok);
  CHECK(Split("set 'foo", &ok).empty());
  CHECK_FALSE(ok);
  CHECK(Split("\"foo\"bar", &ok).empty());
  CHECK_FALSE(ok);
  CHECK(Split("'foo'bar", &ok).empty());
  CHECK_FALSE(ok);
  CHECK(Split("\"foo\"\"bar\"", &ok).empty());
  CHECK_FALSE(ok);
  CHECK(Split("\"foo\\\"", &ok).empty());  // The escaped quote does not close.
  CHECK_FALSE(ok);
  CHECK(Split("\"foo\\", &ok).empty());
  CHECK_FALSE(ok);
  CHECK(Split("\"foo\0\" x"s, &ok).empty());  // NUL ends the line inside the quotes.
  CHECK_FALSE(ok);
}

TEST_CASE("Case helpers are ASCII only") {
  CHECK(EqualsIgnoreCase("GeT", "get"));
  CHECK(EqualsIgnoreCase("", ""));
  CHECK_FALSE(EqualsIgnoreCase("get", "gets"));
  CHECK_FALSE(EqualsIgnoreCase("[", "{"));
  CHECK_FALSE(EqualsIgnoreCase("\xc0", "\xe0"));
  CHECK(ToLower("HeLLo-World_9\xc0") == "hello-world_9\xc0");
  CHECK(ToUpper("HeLLo-World_9\xe0") == "HELLO-WORLD_9\xe0");
  std::string s = "MiXeD";
  ToLowerInPlace(&s);
  CHECK(s == "mixed");
}

TEST_CASE("ParseMemory follows memtoull") {
  int64_t v = 0;
  CHECK((ParseMemory("1gb", &v) && v == 1073741824));
  CHECK((ParseMemory("1GB", &v) && v == 1073741824));
  CHECK((ParseMemory("1Gb", &v) && v == 1073741824));
  CHECK((ParseMemory("1g", &v) && v == 1000000000));
  CHECK((ParseMemory("100mb", &v) && v == 100 * 1024 * 1024));
  CHECK((ParseMemory("100M", &v) && v == 100000000));
  CHECK((ParseMemory("5k", &v) && v == 5000));
  CHECK((ParseMemory("5kb", &v) && v == 5120));
  CHECK((ParseMemory("7b", &v) && v == 7));
  CHECK((ParseMemory("123", &v) && v == 123));
  CHECK((ParseMemory("0", &v) && v == 0));
  CHECK((ParseMemory("01k", &v) && v == 1000));
  // Redis quirk: an empty number counts as zero.
  CHECK((ParseMemory("", &v) && v == 0));
  CHECK((ParseMemory("mb", &v) && v == 0));

  CHECK_FALSE(ParseMemory("-1", &v));
  CHECK_FALSE(ParseMemory("-1gb", &v));
  CHECK_FALSE(ParseMemory("+1", &v));
  CHECK_FALSE(ParseMemory(" 1", &v));
  CHECK_FALSE(ParseMemory("1 ", &v));
  CHECK_FALSE(ParseMemory("1.5gb", &v));
  CHECK_FALSE(ParseMemory("1tb", &v));
  CHECK_FALSE(ParseMemory("1kbb", &v));
  CHECK_FALSE(ParseMemory("1 kb", &v));
  CHECK_FALSE(ParseMemory("abc", &v));
  CHECK_FALSE(ParseMemory(std::string(128, '1'), &v));

  // Values beyond int64 come back with the same 64-bit pattern Redis produces.
  CHECK((ParseMemory("18446744073709551615", &v) && static_cast<uint64_t>(v) == UINT64_MAX));
}

TEST_CASE("BytesToHuman") {
  CHECK(BytesToHuman(0) == "0B");
  CHECK(BytesToHuman(1023) == "1023B");
  CHECK(BytesToHuman(1024) == "1.00K");
  CHECK(BytesToHuman(1536) == "1.50K");
  CHECK(BytesToHuman(1024 * 1024 - 1) == "1024.00K");
  CHECK(BytesToHuman(1024 * 1024) == "1.00M");
  CHECK(BytesToHuman(1289748ULL) == "1.23M");
  CHECK(BytesToHuman(1ULL << 30) == "1.00G");
  CHECK(BytesToHuman(3ULL << 40) == "3.00T");
  CHECK(BytesToHuman(1ULL << 50) == "1.00P");
  CHECK(BytesToHuman(1ULL << 60) == "1152921504606846976B");
}

}  // namespace
}  // namespace ember

TEST_CASE("Repr quotes as sdscatrepr and SplitArgs reads it back") {
  using ember::Repr;
  CHECK(Repr("plain") == "\"plain\"");
  CHECK(Repr("a b\"c\\") == "\"a b\\\"c\\\\\"");
  CHECK(Repr(std::string_view("\n\r\t\a\b\x01\x7f\xff", 8)) ==
        "\"\\n\\r\\t\\a\\b\\x01\\x7f\\xff\"");
  std::string raw("x \"y\"\n\0z\xfe", 9);
  std::vector<std::string> parts;
  REQUIRE(ember::SplitArgs(Repr(raw) + " " + Repr(""), &parts));
  REQUIRE(parts.size() == 2);
  CHECK(parts[0] == raw);
  CHECK(parts[1].empty());
}
