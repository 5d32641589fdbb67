// compile-fail: a zero point on an explicitly symmetric scheme.
// expect: lowbit::scheme: a symmetric scheme has no zero point; drop zero_point<Z> or use asymmetric
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::symmetric, lowbit::bits<4>, lowbit::zero_point<std::uint8_t>>;
static_assert(lowbit::Scheme<S>);
