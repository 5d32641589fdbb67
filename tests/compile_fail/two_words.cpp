// compile-fail: two code word types.
// expect: lowbit::scheme: more than one code_word<W> tag
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::code_word<std::uint8_t>, lowbit::code_word<std::uint32_t>>;
static_assert(lowbit::Scheme<S>);
