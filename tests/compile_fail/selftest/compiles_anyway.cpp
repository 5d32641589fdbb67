// compile-fail selftest: a valid scheme, so this compiles. The checker must report a MISMATCH: a case other than
// "compiles" must fail to compile.
// expect: lowbit::bits<B>: the code width B must be at least 1

#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::bits<1>>;
static_assert(lowbit::Scheme<S>);
