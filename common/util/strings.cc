// Number and text conversions that reproduce Redis 7.0's acceptance rules and output formats.
//
// Conventions shared by several functions here:
//  * "Space" means the C-locale isspace() set: ' ', '\t', '\n', '\v', '\f', '\r'.
//  * Case folding is ASCII only (Redis never changes LC_CTYPE away from "C").
//  * Number parsing and printing is locale independent (always the "C" locale), which is what
//    Redis observes in practice because it never sets LC_NUMERIC.

#include "common/util/strings.h"

#include <locale.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

namespace ember {

namespace {

// Longest accepted integer text, in bytes: Redis rejects inputs of 21 bytes or more up front.
constexpr size_t kMaxIntegerChars = 20;
// Redis refuses long double inputs of this many bytes or more (its MAX_LONG_DOUBLE_CHARS).
constexpr size_t kMaxLongDoubleChars = 5 * 1024;

constexpr char kDigitPairs[] =
    "00010203040506070809"
    "10111213141516171819"
    "20212223242526272829"
    "30313233343536373839"
    "40414243444546474849"
    "50515253545556575859"
    "60616263646566676869"
    "70717273747576777879"
    "80818283848586878889"
    "90919293949596979899";

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

inline bool IsCSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

inline char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
inline char AsciiUpper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; }

// glibc's tolower() on a value taken from a (signed) char, as Redis applies it to range bounds:
// ASCII letters fold, -128..-2 come back as 128..254, and -1 (EOF) stays -1.
inline int GlibcTolowerOfSignedChar(int c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < -1) return c + 256;
  return c;
}

// Everything before the first NUL byte: the part of the input a C-string API would see.
inline std::string_view UpToNul(std::string_view s) {
  size_t nul = s.find('\0');
  return nul == std::string_view::npos ? s : s.substr(0, nul);
}

// Parses the magnitude shared by the signed and unsigned parsers: a non-empty run of decimal
// digits without a leading zero (a lone "0" is handled by the callers), fitting in 64 bits.
bool ParseMagnitude(std::string_view digits, uint64_t* out) {
  if (digits.empty() || digits[0] < '1' || digits[0] > '9') return false;
  uint64_t v = 0;
  for (char c : digits) {
    if (!IsDigit(c)) return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

// A "C" locale object so strtod/strtold ignore whatever LC_NUMERIC the process has.
locale_t CLocale() {
  static const locale_t loc = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(nullptr));
  return loc;
}

double StrtodC(const char* s, char** end) {
  locale_t loc = CLocale();
  return loc ? strtod_l(s, end, loc) : std::strtod(s, end);
}

long double StrtoldC(const char* s, char** end) {
  locale_t loc = CLocale();
  return loc ? strtold_l(s, end, loc) : std::strtold(s, end);
}

// Small-buffer NUL-terminated copy for the C parsing functions.
class CStringCopy {
 public:
  explicit CStringCopy(std::string_view s) {
    if (s.size() < sizeof(small_)) {
      std::memcpy(small_, s.data(), s.size());
      small_[s.size()] = '\0';
      ptr_ = small_;
    } else {
      large_.assign(s.data(), s.size());
      ptr_ = large_.c_str();
    }
  }
  const char* c_str() const { return ptr_; }

 private:
  char small_[128];
  std::string large_;
  const char* ptr_;
};

// Writes the decimal digits of v ending just before `end`; returns the first written position.
char* WriteDigitsBackwards(uint64_t v, char* end) {
  char* p = end;
  while (v >= 100) {
    size_t i = static_cast<size_t>(v % 100) * 2;
    v /= 100;
    *--p = kDigitPairs[i + 1];
    *--p = kDigitPairs[i];
  }
  if (v >= 10) {
    size_t i = static_cast<size_t>(v) * 2;
    *--p = kDigitPairs[i + 1];
    *--p = kDigitPairs[i];
  } else {
    *--p = static_cast<char>('0' + v);
  }
  return p;
}

std::string FormatFixed2(double d, char unit) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::fixed, 2);
  std::string out(buf, res.ptr);
  out.push_back(unit);
  return out;
}

// One element of a glob pattern other than '*': a literal, '?', an escape or a [...] class.
// Tests whether it accepts byte `c` and stores in *next the index just past the element. How
// far an element extends depends only on the pattern, never on the byte being tested.
bool GlobElementMatches(std::string_view pat, size_t pos, char c, bool nocase, size_t* next) {
  const size_t n = pat.size();
  char pc = pat[pos];
  if (pc == '?') {
    *next = pos + 1;
    return true;
  }
  if (pc == '[') {
    size_t i = pos + 1;
    bool negate = i < n && pat[i] == '^';
    if (negate) ++i;
    bool match = false;
    for (;;) {
      if (i >= n) {
        // Unterminated class: it simply ends with the pattern.
        i = n;
        break;
      }
      if (pat[i] == '\\' && n - i >= 2) {
        // Escaped member; compared exactly, even in nocase mode (as Redis does).
        ++i;
        if (pat[i] == c) match = true;
      } else if (pat[i] == ']') {
        ++i;
        break;
      } else if (n - i >= 3 && pat[i + 1] == '-') {
        // Range. Redis (x86-64, glibc) compares the bytes as signed chars, orders the bounds,
        // and only then case-folds them, which can empty a range containing bytes >= 0x80.
        int lo = static_cast<signed char>(pat[i]);
        int hi = static_cast<signed char>(pat[i + 2]);
        int v = static_cast<signed char>(c);
        if (lo > hi) std::swap(lo, hi);
        if (nocase) {
          lo = GlibcTolowerOfSignedChar(lo);
          hi = GlibcTolowerOfSignedChar(hi);
          v = GlibcTolowerOfSignedChar(v);
        }
        if (v >= lo && v <= hi) match = true;
        i += 2;
      } else if (nocase ? AsciiLower(pat[i]) == AsciiLower(c) : pat[i] == c) {
        match = true;
      }
      ++i;
    }
    *next = i;
    return match != negate;
  }
  if (pc == '\\' && n - pos >= 2) ++pos;  // A trailing lone backslash is a literal backslash.
  *next = pos + 1;
  pc = pat[pos];
  return nocase ? AsciiLower(pc) == AsciiLower(c) : pc == c;
}

inline bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The byte a backslash escape inside double quotes stands for; unknown escapes are literal.
inline char UnescapeChar(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

}  // namespace

bool StringToInt64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > kMaxIntegerChars) return false;
  if (s.size() == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  bool negative = s[0] == '-';
  uint64_t mag;
  if (!ParseMagnitude(negative ? s.substr(1) : s, &mag)) return false;
  if (negative) {
    if (mag > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - mag);
  } else {
    if (mag > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(mag);
  }
  return true;
}

bool StringToUint64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > kMaxIntegerChars) return false;
  if (s.size() == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  return ParseMagnitude(s, out);
}

bool StringToDouble(std::string_view s, double* out) {
  if (s.empty() || IsCSpace(s[0])) return false;
  CStringCopy buf(s);
  char* end = nullptr;
  errno = 0;
  double v = StrtodC(buf.c_str(), &end);
  if (static_cast<size_t>(end - buf.c_str()) != s.size()) return false;
  // Overflow (to +-HUGE_VAL) and underflow to zero are errors; gradual underflow is accepted.
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0.0)) return false;
  if (std::isnan(v)) return false;
  *out = v;
  return true;
}

bool StringToLongDouble(std::string_view s, long double* out) {
  if (s.empty() || s.size() >= kMaxLongDoubleChars || IsCSpace(s[0])) return false;
  CStringCopy buf(s);
  char* end = nullptr;
  errno = 0;
  long double v = StrtoldC(buf.c_str(), &end);
  if (static_cast<size_t>(end - buf.c_str()) != s.size()) return false;
  if (errno == ERANGE && (std::isinf(v) || v == 0.0L)) return false;
  if (errno == EINVAL || std::isnan(v)) return false;
  *out = v;
  return true;
}

// Also NUL-terminates: buf[return value] == '\0' (the 21st byte for INT64_MIN).
size_t Int64ToChars(int64_t v, char* buf) {
  char tmp[kMaxIntegerChars];
  char* end = tmp + sizeof(tmp);
  uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  char* p = WriteDigitsBackwards(mag, end);
  if (v < 0) *--p = '-';
  size_t n = static_cast<size_t>(end - p);
  std::memcpy(buf, p, n);
  buf[n] = '\0';
  return n;
}

std::string Int64ToString(int64_t v) {
  char buf[kMaxIntegerChars + 1];
  return std::string(buf, Int64ToChars(v, buf));
}

std::string DoubleToString(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // Same digits as printf("%.17g") in the C locale ("nan"/"-nan" included).
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, 17);
  return std::string(buf, res.ptr);
}

std::string LongDoubleToHumanString(long double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // "%.17Lf". Everyday values fit in a small buffer; the largest finite long double needs
  // about 4950 characters (no exponent form), so fall back to a big one if needed.
  char small[128];
  std::string big;
  char* first = small;
  auto res = std::to_chars(small, small + sizeof(small), v, std::chars_format::fixed, 17);
  if (res.ec != std::errc()) {
    big.resize(kMaxLongDoubleChars);
    first = big.data();
    res = std::to_chars(first, first + big.size(), v, std::chars_format::fixed, 17);
    if (res.ec != std::errc()) return std::string();
  }
  std::string_view text(first, static_cast<size_t>(res.ptr - first));
  if (text.find('.') != std::string_view::npos) {
    while (!text.empty() && text.back() == '0') text.remove_suffix(1);
    if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  }
  if (text == "-0") return "0";
  return std::string(text);
}

// Iterative glob matcher. Each non-star element consumes exactly one byte, so remembering only
// the most recent '*' and retrying it one byte further on is enough: the result equals Redis's
// recursive stringmatchlen (including its skipLongerMatches pruning) in O(|pattern| * |str|)
// time, with no recursion at all. Two Redis facts kept on purpose: an empty string matches
// only an empty pattern (so "*" does not match ""), and an unterminated '[' class ends at the
// end of the pattern.
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  if (str.empty()) return pattern.empty();
  const size_t m = pattern.size();
  const size_t n = str.size();
  size_t p = 0;
  size_t s = 0;
  size_t star_p = std::string_view::npos;  // Pattern index just after the last '*' run.
  size_t star_s = 0;                       // Where that star's match currently ends.
  while (s < n) {
    if (p < m && pattern[p] == '*') {
      while (p < m && pattern[p] == '*') ++p;
      if (p == m) return true;
      star_p = p;
      star_s = s;
      continue;
    }
    size_t next;
    if (p < m && GlobElementMatches(pattern, p, str[s], nocase, &next)) {
      p = next;
      ++s;
      continue;
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    s = ++star_s;
  }
  while (p < m && pattern[p] == '*') ++p;
  return p == m;
}

void AppendRepr(std::string* out, std::string_view s) {
  out->push_back('"');
  for (unsigned char ch : s) {
    switch (ch) {
      case '\\':
        out->append("\\\\");
        break;
      case '"':
        out->append("\\\"");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\a':
        out->append("\\a");
        break;
      case '\b':
        out->append("\\b");
        break;
      default:
        if (ch >= 0x20 && ch < 0x7f) {
          out->push_back(char(ch));
        } else {
          static constexpr char kHex[] = "0123456789abcdef";
          const char esc[4] = {'\\', 'x', kHex[ch >> 4], kHex[ch & 15]};
          out->append(esc, 4);
        }
    }
  }
  out->push_back('"');
}

std::string Repr(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendRepr(&out, s);
  return out;
}

// Like Redis, the line is read as a C string: a raw NUL byte ends it. Escapes are decoded only
// inside double quotes; inside single quotes only \' is special. Quotes may also open in the
// middle of an unquoted token (a"b c" is the single argument `ab c`).
bool SplitArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  line = UpToNul(line);
  const size_t n = line.size();
  // Byte at i, or NUL past the end, mirroring the terminator Redis would see.
  auto at = [&](size_t i) -> char { return i < n ? line[i] : '\0'; };
  size_t i = 0;
  for (;;) {
    while (i < n && IsCSpace(line[i])) ++i;
    if (i >= n) return true;
    std::string cur;
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    while (!done) {
      char c = at(i);
      if (in_double) {
        if (c == '\\' && at(i + 1) == 'x' && IsHexDigit(at(i + 2)) && IsHexDigit(at(i + 3))) {
          cur.push_back(static_cast<char>(HexValue(at(i + 2)) * 16 + HexValue(at(i + 3))));
          i += 3;
        } else if (c == '\\' && at(i + 1) != '\0') {
          ++i;
          cur.push_back(UnescapeChar(at(i)));
        } else if (c == '"') {
          if (at(i + 1) != '\0' && !IsCSpace(at(i + 1))) break;  // "foo"bar
          done = true;
        } else if (c == '\0') {
          break;  // Unterminated double quote.
        } else {
          cur.push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && at(i + 1) == '\'') {
          ++i;
          cur.push_back('\'');
        } else if (c == '\'') {
          if (at(i + 1) != '\0' && !IsCSpace(at(i + 1))) break;  // 'foo'bar
          done = true;
        } else if (c == '\0') {
          break;  // Unterminated single quote.
        } else {
          cur.push_back(c);
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_double = true;
            break;
          case '\'':
            in_single = true;
            break;
          default:
            cur.push_back(c);
            break;
        }
      }
      if (at(i) != '\0') ++i;  // Escapes above may have moved i; step past what it names.
    }
    if (!done) {
      out->clear();
      return false;
    }
    out->push_back(std::move(cur));
  }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

void ToLowerInPlace(std::string* s) {
  for (char& c : *s) c = AsciiLower(c);
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  ToLowerInPlace(&out);
  return out;
}

std::string ToUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiUpper(c);
  return out;
}

// memtoull: digits, then an optional case-insensitive unit. Leading zeros are fine, an empty
// digit run counts as 0 ("" and "kb" are 0), a leading '-' or any other byte is an error. Like
// Redis, a too-large digit run saturates at 2^64-1 and the unit multiplication wraps modulo
// 2^64; *out receives that 64-bit pattern and range checks are left to the caller.
bool ParseMemory(std::string_view s, int64_t* out) {
  s = UpToNul(s);
  if (!s.empty() && s[0] == '-') return false;
  size_t ndigits = 0;
  while (ndigits < s.size() && IsDigit(s[ndigits])) ++ndigits;
  std::string_view unit = s.substr(ndigits);
  uint64_t mul;
  if (unit.empty() || EqualsIgnoreCase(unit, "b")) {
    mul = 1;
  } else if (EqualsIgnoreCase(unit, "k")) {
    mul = 1000;
  } else if (EqualsIgnoreCase(unit, "kb")) {
    mul = 1024;
  } else if (EqualsIgnoreCase(unit, "m")) {
    mul = 1000 * 1000;
  } else if (EqualsIgnoreCase(unit, "mb")) {
    mul = 1024 * 1024;
  } else if (EqualsIgnoreCase(unit, "g")) {
    mul = 1000ULL * 1000 * 1000;
  } else if (EqualsIgnoreCase(unit, "gb")) {
    mul = 1024ULL * 1024 * 1024;
  } else {
    return false;
  }
  if (ndigits >= 128) return false;  // Redis copies the digits into a 128-byte buffer.
  uint64_t val = 0;
  for (size_t i = 0; i < ndigits; ++i) {
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (val > (UINT64_MAX - d) / 10) {
      val = UINT64_MAX;  // strtoull saturates on overflow; Redis does not check ERANGE.
      break;
    }
    val = val * 10 + d;
  }
  *out = static_cast<int64_t>(val * mul);
  return true;
}

std::string BytesToHuman(uint64_t n) {
  constexpr uint64_t kKi = 1024;
  if (n < kKi) return std::to_string(n) + "B";
  if (n < kKi * kKi) return FormatFixed2(static_cast<double>(n) / kKi, 'K');
  if (n < kKi * kKi * kKi) return FormatFixed2(static_cast<double>(n) / (kKi * kKi), 'M');
  if (n < kKi * kKi * kKi * kKi) {
    return FormatFixed2(static_cast<double>(n) / (kKi * kKi * kKi), 'G');
  }
  if (n < kKi * kKi * kKi * kKi * kKi) {
    return FormatFixed2(static_cast<double>(n) / (kKi * kKi * kKi * kKi), 'T');
  }
  if (n < kKi * kKi * kKi * kKi * kKi * kKi) {
    return FormatFixed2(static_cast<double>(n) / (kKi * kKi * kKi * kKi * kKi), 'P');
  }
  return std::to_string(n) + "B";
}

}  // namespace ember
