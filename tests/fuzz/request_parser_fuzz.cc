// libFuzzer target: the request parser fed the input in chunks whose sizes come from the
// input itself. It must never crash, read out of bounds, or return inconsistent offsets.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/resp/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t chunk = 1 + data[0] % 64;
  ember::RequestParser parser;
  ember::RequestLimits limits;
  limits.max_bulk_len = 1 << 20;
  limits.unauthenticated = data[0] & 0x80;
  std::string buf;
  size_t fed = 1;
  while (fed < size) {
    size_t n = std::min(chunk, size - fed);
    buf.append(reinterpret_cast<const char*>(data) + fed, n);
    fed += n;
    while (!buf.empty()) {
      size_t used = 0;
      auto st = parser.Parse(buf.data(), buf.size(), limits, &used);
      if (st == ember::RequestParser::State::kNeedMore) break;
      if (st == ember::RequestParser::State::kError) return 0;
      if (used == 0 || used > buf.size()) __builtin_trap();
      for (auto a : parser.args()) {
        // Views must point inside the buffer or the parser's own storage.
        volatile char sink = a.empty() ? 0 : a[a.size() - 1];
        (void)sink;
      }
      buf.erase(0, used);
    }
  }
  return 0;
}
