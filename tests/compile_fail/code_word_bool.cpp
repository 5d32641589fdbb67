// compile-fail: bool, an unsigned integral type of one bit: the packing cannot hold the widths. code_word<W> rejects
// it twice: its first static_assert excludes bool by name, its second any word narrower than 8 bits. GCC reports
// both; Clang (14) stops at the first.
// expect: lowbit::code_word<W>: W must be an unsigned integer type (uint8_t, uint16_t, uint32_t or uint64_t)
// expect(GNU): lowbit::code_word<W>: a word narrower than 8 bits cannot hold the code planes of every width; use
// uint8_t, uint16_t, uint32_t or uint64_t
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::bits<1>, lowbit::code_word<bool>>;
static_assert(lowbit::Scheme<S>);
