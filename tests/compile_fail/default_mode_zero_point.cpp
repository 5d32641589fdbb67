// compile-fail: a zero point without asymmetric (the default mode is symmetric).
// expect: lowbit::scheme: a symmetric scheme has no zero point; drop zero_point<Z> or use asymmetric
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::bits<4>, lowbit::zero_point<lowbit::fp16>>;
static_assert(lowbit::Scheme<S>);
