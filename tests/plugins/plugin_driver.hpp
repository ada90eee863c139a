// Helpers for unit tests of plugins: play one direction of the engine for a
// plugin (made by support/make_plugin.hpp), chunk by chunk, the way Flow
// offers bytes.
#pragma once

#include "plugin_api/registry.hpp"
#include "support/make_plugin.hpp"
#include "support/null_context.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace qrexec_proxy::test {

// One direction of the engine for one plugin: bytes arrive with feed(), the
// plugin is offered everything pending until it holds, and its verdicts are
// applied; an abort stops it. Checks the plugin keeps to its DataNeeds.
class DirectionDriver {
 public:
  DirectionDriver(Plugin& plugin, NullContext& context, Direction direction)
      : plugin_(plugin),
        context_(context),
        direction_(direction),
        needs_(plugin.needs(direction)) {}

  void feed(const std::string& chunk) {
    EXPECT_FALSE(ended_) << "bytes fed after the end of the stream";
    pending_ += chunk;
    offer();
  }
  void end() {
    end_of_stream_ = true;
    offer();
  }
  // Feeds `input` cut into chunks at `cuts` (offsets, ascending), then ends
  // the stream: how a parser shows it finds the same whatever the chunks.
  void feed_at_cuts(const std::string& input, const std::vector<std::size_t>& cuts) {
    std::size_t from = 0;
    for (const std::size_t cut : cuts) {
      feed(input.substr(from, cut - from));
      from = cut;
    }
    feed(input.substr(from));
    end();
  }

  const std::string& output() const { return output_; }
  std::uint64_t dropped() const { return dropped_; }
  std::size_t held() const { return pending_.size(); }
  bool ended() const { return ended_; }
  bool cut() const { return cut_; }

 private:
  void offer() {
    while (!stopped_ && !context_.aborted) {
      if (pending_.empty()) {
        if (end_of_stream_ && !ended_) {
          ended_ = true;
          plugin_.on_end(context_, direction_);
        }
        return;
      }
      DataView view{direction_, pending_.size(), {}, end_of_stream_};
      if (needs_.reads_bytes)
        view.untrusted_bytes = {reinterpret_cast<std::byte*>(pending_.data()), pending_.size()};
      const Verdict verdict = plugin_.on_data(context_, view);
      if (context_.aborted) {
        stopped_ = true;  // the engine stops the call at once
        return;
      }
      const std::size_t count =
          static_cast<std::size_t>(std::min<std::uint64_t>(verdict.count(), pending_.size()));
      if (verdict.kind() == Verdict::Kind::cut) {
        cut_ = true;
        dropped_ += pending_.size();
        pending_.clear();
        continue;
      }
      if (count == 0) break;
      if (verdict.kind() == Verdict::Kind::drop) {
        EXPECT_TRUE(needs_.drops_bytes) << "dropped bytes without declaring drops_bytes";
        dropped_ += count;
      } else if (!cut_) {
        output_ += pending_.substr(0, count);
      }
      pending_.erase(0, count);
    }
    // What a plugin holds must fit the buffer it asked for, or the engine
    // could not bring the bytes it waits for.
    if (!stopped_ && !end_of_stream_ && needs_.reads_bytes) {
      EXPECT_LE(pending_.size(), needs_.hold_bytes) << "holds more than its hold_bytes";
    }
  }

  Plugin& plugin_;
  NullContext& context_;
  Direction direction_;
  DataNeeds needs_;
  std::string pending_;
  std::string output_;
  std::uint64_t dropped_ = 0;
  bool end_of_stream_ = false;
  bool ended_ = false;
  bool cut_ = false;
  bool stopped_ = false;
};

// Offers `text` to `plugin` once, as pending bytes it reads, and returns its
// verdict: for tests of one answer (in audit mode, say) rather than a stream.
inline Verdict offer_once(Plugin& plugin, NullContext& context, std::string& text,
                          bool end_of_stream, Direction direction = Direction::src2dst) {
  return plugin.on_data(context, {direction,
                                  text.size(),
                                  {reinterpret_cast<std::byte*>(text.data()), text.size()},
                                  end_of_stream});
}

}  // namespace qrexec_proxy::test
