// qrexec-proxy-filter-compiler OUTPUT: compiles the service's syscall
// allow-list (src/sandbox/allow_list/syscall_allow_list.cpp) with libseccomp and writes
// the BPF program as a C++ array to OUTPUT, which syscall_filter.cpp
// includes. Runs at build time, for the architecture it is built for; the
// program checks at run time that it runs on that architecture.
#include "sandbox/allow_list/syscall_allow_list.hpp"

#include <cstdio>
#include <fstream>
#include <string>

#include <seccomp.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT\n", argv[0]);
    return 2;
  }
  const qrexec_proxy::CompiledAllowList compiled = qrexec_proxy::compile_allow_list();
  if (!compiled.error.empty()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], compiled.error.c_str());
    return 1;
  }
  const sock_filter& last = compiled.program.back();
  if (compiled.program.size() > BPF_MAXINSNS || BPF_CLASS(last.code) != BPF_RET) {
    std::fprintf(stderr, "%s: libseccomp made a program the kernel would refuse\n", argv[0]);
    return 1;
  }

  const std::string temporary = std::string(argv[1]) + ".new";
  std::ofstream out(temporary, std::ios::trunc);
  const scmp_version* version = ::seccomp_version();
  out << "// Generated at build time by qrexec-proxy-filter-compiler "
         "(src/sandbox/allow_list/filter_compiler.cpp)\n"
      << "// from src/sandbox/allow_list/syscall_allow_list.cpp with libseccomp " << version->major
      << '.' << version->minor << '.' << version->micro << ". Do not edit.\n"
      << "inline constexpr sock_filter kAllowListProgram[] = {\n";
  char line[64];
  for (const sock_filter& instruction : compiled.program) {
    std::snprintf(line, sizeof line, "    {0x%04x, %u, %u, 0x%08x},\n", instruction.code,
                  instruction.jt, instruction.jf, instruction.k);
    out << line;
  }
  out << "};\n";
  out.close();
  if (!out || std::rename(temporary.c_str(), argv[1]) != 0) {
    std::fprintf(stderr, "%s: cannot write %s\n", argv[0], argv[1]);
    return 1;
  }
  return 0;
}
