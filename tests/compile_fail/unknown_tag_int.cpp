// compile-fail: a non-policy type (int).
// expect: lowbit::scheme: unknown policy tag; every argument must be a lowbit policy tag
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::bits<4>, int>;
static_assert(lowbit::Scheme<S>);
