// compile-fail: a signed integer zero point.
// expect: lowbit::zero_point<Z>: Z must be an unsigned integer type (integer zero point) or float, lowbit::fp16,
// lowbit::bf16 (float offset)
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::asymmetric, lowbit::bits<4>, lowbit::zero_point<int>>;
static_assert(lowbit::Scheme<S>);
