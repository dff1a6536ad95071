// Listpack: Redis's compact serialized list of strings and integers in one allocation, with
// the exact byte format Redis uses (it is also the RDB payload of listpack-encoded values).
// Format reference: https://github.com/antirez/listpack/blob/master/listpack.md
//
// A listpack is a `uint8_t*` blob allocated with MemAlloc. Every function that may grow or
// shrink it returns the (possibly moved) blob; element pointers into it are invalidated by
// any change unless the function says otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ember::lp {

// An element read back: an integer, or a string viewing into the listpack (or `scratch`).
struct Value {
  bool is_int = false;
  int64_t ival = 0;
  std::string_view sval;
  // The value as a string; integers are formatted into `scratch` (at least 21 bytes).
  std::string_view AsString(char* scratch) const;
  bool Equals(std::string_view s) const;
};

uint8_t* New(size_t capacity = 0);
void Free(uint8_t* lp);
uint8_t* Dup(const uint8_t* lp);
size_t Bytes(const uint8_t* lp);   // total size in bytes
size_t Length(const uint8_t* lp);  // number of elements (may walk if > 65534)

// Navigation: nullptr when there is no such element.
uint8_t* First(uint8_t* lp);
uint8_t* Last(uint8_t* lp);
uint8_t* Next(uint8_t* lp, uint8_t* p);
uint8_t* Prev(uint8_t* lp, uint8_t* p);
uint8_t* Seek(uint8_t* lp, int64_t index);  // negative = from the tail

Value Get(const uint8_t* p);

// Strings that look like integers are stored as integers, as Redis does.
uint8_t* Append(uint8_t* lp, std::string_view s);
uint8_t* AppendInt(uint8_t* lp, int64_t v);
uint8_t* Prepend(uint8_t* lp, std::string_view s);
// Inserts before or after element `p`. If `newp` is not null it receives the new element.
uint8_t* Insert(uint8_t* lp, uint8_t* p, std::string_view s, bool after, uint8_t** newp);
uint8_t* Replace(uint8_t* lp, uint8_t** p, std::string_view s);  // *p stays on the element
// Deletes the element at *p; *p then points at the following element (or nullptr).
uint8_t* Delete(uint8_t* lp, uint8_t** p);
uint8_t* DeleteRange(uint8_t* lp, int64_t index, size_t count);
// First element from `p` equal to s, checking one element then skipping `skip` (for
// field/value pairs skip = 1). nullptr if none.
uint8_t* Find(uint8_t* lp, uint8_t* p, std::string_view s, unsigned skip);

// Appends the elements of `*second` to `*first` in one of the two allocations (the larger
// one is grown) and frees the other; the unused pointer is set to nullptr and the one kept
// to the result, which is also returned. nullptr (nothing changed) if either is null or
// both are the same listpack. (Added for quicklist node merging.)
uint8_t* Merge(uint8_t** first, uint8_t** second);

// Structural validation of an untrusted blob (RDB, RESTORE): header, every entry's encoding
// and back-length, terminator, and count. `deep` walks every entry.
bool Validate(const uint8_t* lp, size_t size, bool deep);

// Would adding an element of `size` bytes keep the listpack under the safety limit (1 GB)?
bool SafeToAdd(const uint8_t* lp, size_t add);

}  // namespace ember::lp
