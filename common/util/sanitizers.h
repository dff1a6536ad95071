// Whether this build runs under AddressSanitizer (gcc defines __SANITIZE_ADDRESS__, clang
// answers __has_feature): the crash handlers stay out of its way, and tests that expect
// Ember's own crash report skip.
#pragma once

namespace ember {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
inline constexpr bool kAddressSanitizer = __has_feature(address_sanitizer);
#else
inline constexpr bool kAddressSanitizer = false;
#endif

}  // namespace ember
