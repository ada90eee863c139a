// Calls held at their destination: test.Hold (tests/e2e/services) marks
// each start and waits until the test releases them all, so a test can
// keep calls running while it looks at what admission did.
#pragma once

#include "support/emulation.hpp"
#include "support/temp_dir.hpp"

#include <cstddef>
#include <filesystem>

namespace qrexec_proxy::test {

class HeldCalls {
 public:
  explicit HeldCalls(const Emulation& emulation) : out_(emulation.root() / "dst" / "out") {}
  ~HeldCalls() { release(); }
  HeldCalls(const HeldCalls&) = delete;
  HeldCalls& operator=(const HeldCalls&) = delete;

  // How many test.Hold destinations have started.
  std::size_t started() const {
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(out_))
      count += entry.path().filename().string().starts_with("started-");
    return count;
  }
  // Lets every held destination, and any later one, go on.
  void release() const { write_file(out_ / "release", ""); }

 private:
  std::filesystem::path out_;
};

}  // namespace qrexec_proxy::test
