// Number and text conversions with Redis's exact rules (what it accepts, how it prints).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ember {

// Strict integer parse: optional '-', digits, no spaces, no '+', no leading zeros
// (except "0"), no overflow. Redis's string2ll.
bool StringToInt64(std::string_view s, int64_t* out);
// Same rules, unsigned.
bool StringToUint64(std::string_view s, uint64_t* out);

// Double parse as Redis's getDoubleFromObject: the whole string must be a number
// (strtod syntax incl. "inf", "-inf", "+inf"), no leading/trailing spaces, NaN rejected.
bool StringToDouble(std::string_view s, double* out);
// Long double parse as Redis's string2ld (used by INCRBYFLOAT): NaN rejected.
bool StringToLongDouble(std::string_view s, long double* out);

// Fast integer formatting. Returns characters written (buf needs 21 bytes).
size_t Int64ToChars(int64_t v, char* buf);
std::string Int64ToString(int64_t v);

// How Redis prints a double in replies (RESP2 bulk / RESP3 ','): "%.17g" with
// "inf"/"-inf" and integral values without exponent where %.17g gives them.
std::string DoubleToString(double v);
// Redis's ld2string in LD_STR_HUMAN mode (INCRBYFLOAT, HINCRBYFLOAT): "%.17Lf" with
// trailing zeros and dot removed; "inf"/"-inf".
std::string LongDoubleToHumanString(long double v);

// Redis's stringmatchlen: glob with * ? [abc] [^a] [a-z] and backslash escapes.
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

// Redis's sdssplitargs: split an inline command line honouring "..." (with \n \r \t \b \a
// \\ \" \xHH escapes) and '...' (with \' escape). Returns false on unbalanced quotes or a
// closing quote not followed by a space.
bool SplitArgs(std::string_view line, std::vector<std::string>* out);

// Redis's sdscatrepr, the inverse of SplitArgs: `s` in double quotes with \\ \" \n \r \t \a
// \b escapes and \xHH for other unprintable bytes (MONITOR lines, CONFIG REWRITE values,
// AOF manifest names).
void AppendRepr(std::string* out, std::string_view s);
std::string Repr(std::string_view s);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
void ToLowerInPlace(std::string* s);
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);

// Memory size as Redis's memtoull: "1gb", "100mb", "5k", plain bytes. False if invalid.
bool ParseMemory(std::string_view s, int64_t* out);
// Redis's bytesToHuman: "1.23M" style.
std::string BytesToHuman(uint64_t n);

}  // namespace ember
