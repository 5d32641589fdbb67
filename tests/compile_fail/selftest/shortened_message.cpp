// compile-fail selftest: the expectation is the beginning of the static_assert message only (the message goes on
// with the list of tags). The checker must report a MISMATCH: a message is expected in full, up to its end.
// expect: lowbit::scheme: unknown policy tag; every argument must be a lowbit policy tag

#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::bits<4>, int>;
static_assert(lowbit::Scheme<S>);
