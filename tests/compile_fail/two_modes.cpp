// compile-fail: symmetric and asymmetric at once.
// expect: lowbit::scheme: more than one mode tag; give one of symmetric, symmetric_full_range or asymmetric
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::symmetric, lowbit::bits<4>, lowbit::asymmetric>;
static_assert(lowbit::Scheme<S>);
