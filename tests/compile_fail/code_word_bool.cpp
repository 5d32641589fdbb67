// compile-fail: bool is an unsigned integral type of one bit: the packing cannot hold the widths.
// expect: lowbit::code_word<W>: a word narrower than 8 bits cannot hold the code planes of every width
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::bits<1>, lowbit::code_word<bool>>;
static_assert(lowbit::Scheme<S>);
