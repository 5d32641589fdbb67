// compile-fail: two zero-point types.
// expect: lowbit::scheme: more than one zero_point<Z> tag
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::asymmetric, lowbit::zero_point<std::uint8_t>, lowbit::zero_point<lowbit::fp16>>;
static_assert(lowbit::Scheme<S>);
