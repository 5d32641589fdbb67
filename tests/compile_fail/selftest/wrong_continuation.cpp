// compile-fail selftest: the first line of this expectation is right, the word "integer" in its continuation line
// is wrong ("float offset" is right). The checker must report a MISMATCH: an expectation is checked whole, not on
// its first line only.
// expect: lowbit::zero_point<Z>: Z must be an unsigned integer type (integer zero point) or float, lowbit::fp16,
// lowbit::bf16 (integer offset)

#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::asymmetric, lowbit::bits<4>, lowbit::zero_point<int>>;
static_assert(lowbit::Scheme<S>);
