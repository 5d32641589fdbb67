// compile-fail: a code width above 8.
// expect: lowbit::bits<B>: the code width B must be at most 8
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::bits<9>, lowbit::per_group<32>>;
static_assert(lowbit::Scheme<S>);
