// qrexec-proxy-docs: prints the plugin reference in Markdown, for the
// README (tools/update-readme) and the test that keeps the two the same.
#include "core/plugin_docs.hpp"

#include <cstdio>

int main() {
  const std::string text =
      qrexec_proxy::plugin_reference_markdown(qrexec_proxy::PluginRegistry::builtin());
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}
