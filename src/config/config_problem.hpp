// One thing wrong with the config, with as much place as is known.
#pragma once

#include <filesystem>
#include <string>

namespace qrexec_proxy {

struct ConfigProblem {
  std::filesystem::path file;
  int line = 0;  // 1-based; 0 when not a syntax error
  int column = 0;
  std::string chain;
  std::string plugin;  // as written in the chain, with its index: "byte_limit" or "#2 sniff"
  std::string option;
  std::string message;

  // "FILE:LINE:COLUMN: message" for syntax errors,
  // "FILE: chain C, plugin P, option O: message" otherwise.
  std::string format() const;
};

}  // namespace qrexec_proxy
