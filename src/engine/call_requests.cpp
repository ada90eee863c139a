// Call, as the plugins' PluginRequests: where each request of a plugin
// goes. Requests made during on_start, before the flows exist, wait in a
// queue and are done, in the order asked, once they do; inject, which
// answers at once whether the bytes went in, fails then instead.
#include "engine/call.hpp"

namespace qrexec_proxy {

Flow* Call::place_of(std::size_t plugin, Direction direction, std::size_t& stage) {
  if (!flows_built_) return nullptr;
  const auto& place = directions_[index_of(direction)].places[plugin];
  if (!place) return nullptr;  // the plugin runs a filter program there
  stage = place->stage;
  return flows(direction)[place->flow].get();
}

void Call::plugin_abort(std::size_t plugin, std::string_view reason) {
  if (ending_early_) return;
  end_early(CallOutcome::aborted, std::string(reason));
  end_plugin_ = plugins_[plugin].name;
}

void Call::plugin_cut(std::size_t plugin, Direction direction) {
  if (!flows_built_) return early_requests_.push_back({plugin, direction, EarlyRequest::Kind::cut});
  std::size_t stage = 0;
  if (Flow* f = place_of(plugin, direction, stage)) f->cut(stage);
}

void Call::plugin_wake(std::size_t plugin, Direction direction) {
  if (!flows_built_)
    return early_requests_.push_back({plugin, direction, EarlyRequest::Kind::wake});
  std::size_t stage = 0;
  if (Flow* f = place_of(plugin, direction, stage)) f->wake();
}

void Call::plugin_pause(std::size_t plugin, Direction direction, bool paused) {
  if (!flows_built_)
    return early_requests_.push_back(
        {plugin, direction, paused ? EarlyRequest::Kind::pause : EarlyRequest::Kind::resume});
  std::size_t stage = 0;
  if (Flow* f = place_of(plugin, direction, stage)) f->pause_input(stage, paused);
}

void Call::plugin_notify_drained(std::size_t plugin, Direction direction) {
  if (!flows_built_)
    return early_requests_.push_back({plugin, direction, EarlyRequest::Kind::notify_drained});
  std::size_t stage = 0;
  if (Flow* f = place_of(plugin, direction, stage)) f->notify_when_drained(stage);
}

bool Call::plugin_inject(std::size_t plugin, Direction direction,
                         std::span<const std::byte> bytes) {
  if (ending_early_) return false;
  std::size_t stage = 0;
  Flow* f = place_of(plugin, direction, stage);
  return f != nullptr && f->inject(stage, bytes);
}

void Call::apply_early_requests() {
  for (const auto& request : early_requests_) {
    switch (request.kind) {
      case EarlyRequest::Kind::cut:
        plugin_cut(request.plugin, request.direction);
        break;
      case EarlyRequest::Kind::pause:
      case EarlyRequest::Kind::resume:
        plugin_pause(request.plugin, request.direction, request.kind == EarlyRequest::Kind::pause);
        break;
      case EarlyRequest::Kind::wake:
        plugin_wake(request.plugin, request.direction);
        break;
      case EarlyRequest::Kind::notify_drained:
        plugin_notify_drained(request.plugin, request.direction);
        break;
    }
  }
  early_requests_.clear();
}

}  // namespace qrexec_proxy
