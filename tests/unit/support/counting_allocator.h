#pragma once
// For tests that prove a code path allocates nothing: linking
// counting_allocator.cpp into a test binary replaces every non-aligned form
// of the global operator new and delete with counting ones (malloc/free
// underneath, so ASan still pairs them).

#include <cstddef>

namespace parley::test {

// C++ heap allocations since the process started, from any thread.
std::size_t allocations();
// The same, made by the calling thread only.
std::size_t thread_allocations();

// Allocations made while `f` runs on this thread's watch.
template <typename F>
std::size_t allocations_during(F&& f) {
  std::size_t before = allocations();
  f();
  return allocations() - before;
}

}  // namespace parley::test
