#include "common/util/hash.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

namespace ember {
namespace {

using namespace std::string_literals;

// Bit-at-a-time CRC-64/Jones (reflected), independent of the table-driven implementation.
uint64_t SlowCrc64(uint64_t crc, const std::string& s) {
  constexpr uint64_t kReflectedPoly = 0x95ac9329ac4bc9b5ULL;
  for (unsigned char c : s) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ kReflectedPoly : crc >> 1;
  }
  return crc;
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

std::string Compress(const std::string& in, size_t cap) {
  std::string out(cap, '\0');
  size_t n = LzfCompress(in.data(), in.size(), out.data(), out.size());
  out.resize(n);
  return out;
}

// Decompresses into a buffer of exactly `cap` bytes; *ok tells whether it succeeded.
std::string Decompress(const std::string& in, size_t cap, bool* ok) {
  std::vector<char> out(cap);
  size_t n = LzfDecompress(in.data(), in.size(), out.data(), out.size());
  *ok = n != 0;
  return std::string(out.data(), n);
}

TEST_CASE("Crc16 matches Redis cluster slots") {
  CHECK(Crc16("123456789", 9) == 0x31c3);
  CHECK(Crc16("", 0) == 0);
  CHECK((Crc16("foo", 3) & 16383) == 12182);
  CHECK((Crc16("hello", 5) & 16383) == 866);
  CHECK((Crc16("somekey", 7) & 16383) == 11058);
  CHECK((Crc16("user:1000", 9) & 16383) == 1649);
}

TEST_CASE("Crc64 matches Redis's crc64") {
  CHECK(Crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9caULL);
  CHECK(Crc64(0, "", 0) == 0);
  CHECK(Crc64(0x1234, "", 0) == 0x1234);
  // Redis's own self-test string, hashed with its terminating NUL.
  const char li[] =
      "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed "
      "do eiusmod tempor incididunt ut labore et dolore magna "
      "aliqua. Ut enim ad minim veniam, quis nostrud exercitation "
      "ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis "
      "aute irure dolor in reprehenderit in voluptate velit esse "
      "cillum dolore eu fugiat nulla pariatur. Excepteur sint "
      "occaecat cupidatat non proident, sunt in culpa qui officia "
      "deserunt mollit anim id est laborum.";
  CHECK(Crc64(0, li, sizeof(li)) == 0xc7794709e69683b3ULL);
}

TEST_CASE("Crc64 agrees with a bitwise reference and continues across chunks") {
  std::mt19937_64 rng(5);
  for (size_t len = 0; len < 200; ++len) {
    std::string s = RandomBytes(rng, len);
    uint64_t seed = len % 3 == 0 ? 0 : rng();
    uint64_t whole = Crc64(seed, s.data(), s.size());
    CHECK(whole == SlowCrc64(seed, s));
    for (size_t split = 0; split <= len; split += 7) {
      uint64_t part = Crc64(seed, s.data(), split);
      CHECK(Crc64(part, s.data() + split, len - split) == whole);
    }
  }
  // Unaligned start addresses.
  std::string big = RandomBytes(rng, 4096);
  for (size_t off = 0; off < 8; ++off) {
    std::string sub = big.substr(off);
    CHECK(Crc64(0, big.data() + off, big.size() - off) == SlowCrc64(0, sub));
  }
}

TEST_CASE("HashBytes is deterministic and seeded") {
  SetHashSeed(1);
  const uint64_t a = HashString("hello");
  CHECK(HashBytes("hello", 5) == a);
  CHECK(HashString("hello") == a);
  CHECK(HashString("hellp") != a);
  CHECK(HashString("hell") != a);
  SetHashSeed(2);
  CHECK(HashString("hello") != a);
  SetHashSeed(1);
  CHECK(HashString("hello") == a);
}

TEST_CASE("HashBytes separates lengths and positions") {
  SetHashSeed(0x1234567890abcdefULL);
  std::unordered_set<uint64_t> seen;
  // Runs of zero bytes of every length up to 300 must all differ.
  for (size_t len = 0; len <= 300; ++len) {
    std::string s(len, '\0');
    CHECK(seen.insert(HashString(s)).second);
  }
  // A single set byte at every position of every length.
  for (size_t len = 1; len <= 70; ++len) {
    for (size_t pos = 0; pos < len; ++pos) {
      std::string s(len, '\0');
      s[pos] = 1;
      CHECK(seen.insert(HashString(s)).second);
    }
  }
}

TEST_CASE("HashBytes has no collisions on typical keys") {
  SetHashSeed(42);
  std::unordered_set<uint64_t> seen;
  char buf[32];
  for (int i = 0; i < 200000; ++i) {
    int n = std::snprintf(buf, sizeof(buf), "key:%d", i);
    seen.insert(HashBytes(buf, static_cast<size_t>(n)));
  }
  CHECK(seen.size() == 200000);
}

TEST_CASE("HashBytes distributes keys evenly over buckets") {
  SetHashSeed(99);
  constexpr int kBuckets = 1024;
  constexpr int kKeys = 1024 * 100;
  std::vector<int> low(kBuckets), high(kBuckets);
  for (int i = 0; i < kKeys; ++i) {
    std::string key = "user:" + std::to_string(i);
    uint64_t h = HashString(key);
    ++low[h % kBuckets];
    ++high[h >> 54];
  }
  // Chi-squared with 1023 degrees of freedom: mean 1023, sd ~45. Allow a wide margin.
  for (const auto* counts : {&low, &high}) {
    double chi2 = 0;
    for (int c : *counts) chi2 += (c - 100.0) * (c - 100.0) / 100.0;
    CHECK(chi2 < 1023 + 6 * 45);
  }
}

TEST_CASE("HashBytes avalanches") {
  SetHashSeed(7);
  std::mt19937_64 rng(17);
  for (size_t len : {1, 3, 4, 7, 8, 12, 16, 17, 33, 48, 49, 64, 100, 200}) {
    double total = 0;
    int trials = 0;
    for (int t = 0; t < 20; ++t) {
      std::string s = RandomBytes(rng, len);
      uint64_t base = HashString(s);
      for (size_t bit = 0; bit < len * 8; ++bit) {
        std::string f = s;
        f[bit / 8] = static_cast<char>(f[bit / 8] ^ (1 << (bit % 8)));
        uint64_t h = HashString(f);
        int changed = std::popcount(base ^ h);
        CHECK(changed > 0);
        total += changed;
        ++trials;
      }
    }
    double mean = total / trials;
    CAPTURE(len);
    CHECK(mean > 30.0);
    CHECK(mean < 34.0);
  }
}

TEST_CASE("HashBytes reads only the given bytes") {
  SetHashSeed(3);
  std::mt19937_64 rng(23);
  for (size_t len = 0; len <= 130; ++len) {
    std::string exact = RandomBytes(rng, len);
    // Surround the same bytes with different garbage: the hash must not change.
    std::string padded = RandomBytes(rng, 16) + exact + RandomBytes(rng, 16);
    CHECK(HashBytes(padded.data() + 16, len) == HashString(exact));
    std::vector<char> heap(exact.begin(), exact.end());  // Exact-size allocation (for ASan).
    CHECK(HashBytes(heap.data(), heap.size()) == HashString(exact));
  }
}

TEST_CASE("HashBytesNoCase folds ASCII letters only") {
  SetHashSeed(11);
  CHECK(HashBytesNoCase("HeLLo", 5) == HashBytesNoCase("hello", 5));
  CHECK(HashBytesNoCase("HeLLo", 5) == HashBytes("hello", 5));
  CHECK(HashBytesNoCase("hello", 5) != HashBytesNoCase("hellp", 5));
  CHECK(HashBytesNoCase("@", 1) != HashBytesNoCase("`", 1));  // Neighbours of 'A'..'Z'.
  CHECK(HashBytesNoCase("[", 1) != HashBytesNoCase("{", 1));
  CHECK(HashBytesNoCase("\xc0", 1) != HashBytesNoCase("\xe0", 1));  // No Latin-1 folding.
  std::mt19937_64 rng(29);
  const std::string alphabet = "abcXYZ@[`{09\x80\xc1\xda\xff";
  for (size_t len = 0; len <= 150; ++len) {
    std::string s(len, '\0');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    std::string lower = s;
    std::string upper = s;
    for (char& c : lower) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    for (char& c : upper) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    }
    uint64_t h = HashBytesNoCase(s.data(), s.size());
    CHECK(h == HashString(lower));
    CHECK(h == HashBytesNoCase(upper.data(), upper.size()));
  }
}

TEST_CASE("LZF round-trips random (incompressible) data") {
  std::mt19937_64 rng(31);
  for (size_t len : {1, 2, 3, 31, 32, 33, 100, 1000, 65536}) {
    std::string in = RandomBytes(rng, len);
    // liblzf's rule of thumb: incompressible data grows by at most len/32 + 1 bytes.
    std::string packed = Compress(in, len + len / 32 + 1);
    REQUIRE(packed.size() > 0);
    CHECK(packed.size() <= len + (len + 31) / 32);
    bool ok = false;
    CHECK(Decompress(packed, len, &ok) == in);
    CHECK(ok);
    // Asking for a saving on random data fails cleanly.
    if (len > 1) CHECK(Compress(in, len - 1).empty());
  }
}

TEST_CASE("LZF compresses repetitive data and round-trips it") {
  std::mt19937_64 rng(37);
  std::vector<std::string> inputs;
  inputs.push_back(std::string(100000, 'a'));
  std::string text;
  while (text.size() < 50000)
    text +=
        "the quick brown fox jumps over the lazy dog " + std::to_string(text.size() % 97) + "\n";
  inputs.push_back(text);
  std::string pattern;
  for (size_t i = 0; i < 40000; ++i) {
    pattern.push_back(static_cast<char>((i / 7) % 13 + (rng() % 50 == 0 ? 100 : 0)));
  }
  inputs.push_back(pattern);
  std::string far;  // Repeats at a distance close to the 8 KiB window.
  std::string block = RandomBytes(rng, 8000);
  for (int i = 0; i < 6; ++i) far += block;
  inputs.push_back(far);
  for (const std::string& in : inputs) {
    std::string packed = Compress(in, in.size());
    REQUIRE(packed.size() > 0);
    CHECK(packed.size() < in.size() / 2);
    bool ok = false;
    CHECK(Decompress(packed, in.size(), &ok) == in);
    CHECK(ok);
    // The exact output size is enough; one byte less is not.
    CHECK(LzfDecompress(packed.data(), packed.size(), std::vector<char>(in.size() - 1).data(),
                        in.size() - 1) == 0);
  }
  CHECK(Compress(std::string(100000, 'a'), 100000).size() < 1200);
}

TEST_CASE("LZF round-trips many small mixed inputs") {
  std::mt19937_64 rng(41);
  for (int t = 0; t < 3000; ++t) {
    size_t len = 1 + rng() % 600;
    std::string in(len, '\0');
    int alphabet = 1 + static_cast<int>(rng() % 6);
    for (char& c : in) c = static_cast<char>('a' + rng() % alphabet);
    std::string packed = Compress(in, len + len / 32 + 1);
    REQUIRE(packed.size() > 0);
    bool ok = false;
    CHECK(Decompress(packed, len, &ok) == in);
  }
  CHECK(LzfCompress("", 0, nullptr, 0) == 0);
}

TEST_CASE("LZF decompresses hand-built streams") {
  bool ok = false;
  // Literal "abc", then a 6-byte back reference at distance 3.
  CHECK(Decompress(Bytes({0x02, 'a', 'b', 'c', 0x80, 0x02}), 9, &ok) == "abcabcabc");
  CHECK(ok);
  // Literal "a", then an overlapping reference at distance 1 (run-length style), 10 bytes.
  CHECK(Decompress(Bytes({0x00, 'a', 0xe0, 0x01, 0x00}), 11, &ok) == std::string(11, 'a'));
  CHECK(ok);
  // Extended length: 7 + 255 + 2 = 264 bytes copied.
  CHECK(Decompress(Bytes({0x00, 'z', 0xe0, 0xff, 0x00}), 265, &ok) == std::string(265, 'z'));
  // A stream produced by liblzf (Redis's compressor) for this sentence.
  const std::string from_liblzf = "\x06hello h\xe0\x0e\x05\x04world"s;
  CHECK(Decompress(from_liblzf, 100, &ok) == "hello hello hello hello hello world");
  CHECK(ok);
  // Long distance: 8192 bytes back, the maximum (offset field 0x1fff).
  std::string lit;
  std::string expect;
  for (int i = 0; i < 8192; i += 32) {
    std::string chunk(32, static_cast<char>('A' + (i / 32) % 26));
    lit += Bytes({0x1f}) + chunk;
    expect += chunk;
  }
  std::string stream = lit + Bytes({0x3f, 0xff});  // Length 1 + 2 = 3, distance 8192.
  expect += expect.substr(0, 3);
  CHECK(Decompress(stream, expect.size(), &ok) == expect);
  CHECK(ok);
}

TEST_CASE("LZF rejects corrupt streams") {
  bool ok = true;
  Decompress(Bytes({0x02, 'a', 'b'}), 100, &ok);  // Literal run longer than the input.
  CHECK_FALSE(ok);
  Decompress(Bytes({0x00, 'a', 0x20}), 100, &ok);  // Back reference missing its offset byte.
  CHECK_FALSE(ok);
  Decompress(Bytes({0x00, 'a', 0xe0}), 100, &ok);  // Missing the extra length byte.
  CHECK_FALSE(ok);
  Decompress(Bytes({0x00, 'a', 0xe0, 0x05}), 100, &ok);  // Extra length, but no offset byte.
  CHECK_FALSE(ok);
  Decompress(Bytes({0x00, 'a', 0x20, 0x01}), 100, &ok);  // Distance 2 with 1 byte of output.
  CHECK_FALSE(ok);
  Decompress(Bytes({0x20, 0x00}), 100, &ok);  // Reference before any output.
  CHECK_FALSE(ok);
  Decompress(Bytes({0x02, 'a', 'b', 'c'}), 2, &ok);  // Output too small for the literal run.
  CHECK_FALSE(ok);
  Decompress(Bytes({0x00, 'a', 0x20, 0x00}), 3, &ok);  // Output too small for the copy.
  CHECK_FALSE(ok);
  CHECK(LzfDecompress("", 0, nullptr, 0) == 0);
}

TEST_CASE("LZF decompressor survives mutated streams") {
  std::mt19937_64 rng(43);
  std::string text;
  while (text.size() < 4000) text += "abcabcabd-" + std::to_string(rng() % 1000);
  const std::string packed = Compress(text, text.size());
  REQUIRE(packed.size() > 0);
  for (int t = 0; t < 20000; ++t) {
    std::string bad = packed;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) bad[rng() % bad.size()] = static_cast<char>(rng());
    if (rng() % 4 == 0) bad.resize(rng() % bad.size());
    size_t cap = rng() % 2 ? text.size() : rng() % (text.size() * 2);
    std::vector<char> out(cap);  // Exact size so a sanitizer catches any overflow.
    size_t n = LzfDecompress(bad.data(), bad.size(), out.data(), out.size());
    CHECK(n <= cap);
  }
}

TEST_CASE("Sha1Hex") {
  CHECK(Sha1Hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(Sha1Hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(Sha1Hex("The quick brown fox jumps over the lazy dog") ==
        "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
  CHECK(Sha1Hex("a\0b"s) != Sha1Hex("a"));
}

}  // namespace
}  // namespace ember
