// stop_src and stop_dst: one-way calls, by ending one direction at once.
#include "plugin_api/registry.hpp"

namespace qrexec_proxy {
namespace {

class StopDirection final : public Plugin {
 public:
  explicit StopDirection(Direction stopped) : stopped_(stopped) {}

  Admission on_start(PluginContext& context) override {
    context.cut(stopped_);
    return Admission::admit();
  }

 private:
  Direction stopped_;
};

PluginDescriptor describe_stop_dst() {
  return {
      "stop_dst",
      "One-way from source to destination: nothing the destination sends reaches the source.",
      "Ends the destination-to-source direction when the call starts: the source sees the end "
      "of the stream at once, and every byte the destination sends is read and discarded. "
      "Equal to byte_limit with dst2src_limit 0.",
      {},
      [](const PluginOptions&) { return std::make_unique<StopDirection>(Direction::dst2src); },
  };
}

PluginDescriptor describe_stop_src() {
  return {
      "stop_src",
      "One-way from destination to source: nothing the source sends reaches the destination.",
      "Ends the source-to-destination direction when the call starts: the destination sees the "
      "end of its input at once, and every byte the source sends is read and discarded. Equal "
      "to byte_limit with src2dst_limit 0.",
      {},
      [](const PluginOptions&) { return std::make_unique<StopDirection>(Direction::src2dst); },
  };
}

}  // namespace

QREXEC_PROXY_REGISTER_PLUGIN(describe_stop_dst);
QREXEC_PROXY_REGISTER_PLUGIN(describe_stop_src);

}  // namespace qrexec_proxy
