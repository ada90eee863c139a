// byte_limit: at most N bytes per direction, then that direction ends.
#include "plugin_api/registry.hpp"

#include <array>
#include <string>

namespace qrexec_proxy {
namespace {

class ByteLimit final : public Plugin {
 public:
  explicit ByteLimit(const PluginOptions& options)
      : left_{options.integer("src2dst_limit"), options.integer("dst2src_limit")} {}

  Verdict on_data(PluginContext& context, const DataView& data) override {
    std::int64_t& left = left_[index_of(data.direction)];
    if (left < 0) return Verdict::pass(data.size);  // unlimited
    if (left == 0) {
      context.log(Priority::notice,
                  std::string("byte limit reached in ") + std::string(to_string(data.direction)) +
                      ": the receiver sees the end of the stream, the rest is discarded");
      return Verdict::cut();
    }
    const auto passing = std::min<std::uint64_t>(data.size, static_cast<std::uint64_t>(left));
    left -= static_cast<std::int64_t>(passing);
    return Verdict::pass(passing);
  }

  Admission on_start(PluginContext& context) override {
    // A limit of 0 ends the direction at once, before any byte arrives.
    for (const Direction direction : kBothDirections)
      if (left_[index_of(direction)] == 0) context.cut(direction);
    return Admission::admit();
  }

 private:
  std::array<std::int64_t, 2> left_;
};

PluginDescriptor describe_byte_limit() {
  return {
      "byte_limit",
      "Lets at most a given number of bytes through in each direction.",
      "Forwards bytes until the limit of a direction is reached. Then the receiver of that "
      "direction sees the end of the stream, and whatever the sender still sends is read and "
      "discarded, so the sender is never blocked. The other direction goes on. Counts only: "
      "bytes move without being copied.",
      {
          OptionSpec::integer("src2dst_limit", "Bytes the source may send to the destination.")
              .with_default(-1)
              .at_least(0)
              .or_off(-1, "no limit"),
          OptionSpec::integer("dst2src_limit", "Bytes the destination may send back to the source.")
              .with_default(-1)
              .at_least(0)
              .or_off(-1, "no limit"),
      },
      [](const PluginOptions& options) { return std::make_unique<ByteLimit>(options); },
  };
}

}  // namespace

QREXEC_PROXY_REGISTER_PLUGIN(describe_byte_limit);

}  // namespace qrexec_proxy
