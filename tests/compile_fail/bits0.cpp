// compile-fail: a zero code width.
// expect: lowbit::bits<B>: the code width B must be at least 1
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::bits<0>>;
static_assert(lowbit::Scheme<S>);
