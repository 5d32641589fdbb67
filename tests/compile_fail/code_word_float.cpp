// compile-fail: a floating code word.
// expect: lowbit::code_word<W>: W must be an unsigned integer type (uint8_t, uint16_t, uint32_t or uint64_t)
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::bits<4>, lowbit::code_word<float>>;
static_assert(lowbit::Scheme<S>);
