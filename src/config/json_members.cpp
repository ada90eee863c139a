#include "config/json_members.hpp"

#include <cstring>

namespace qrexec_proxy {
namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool at_end() const { return position_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[position_]; }
  std::size_t position() const { return position_; }
  std::string_view slice(std::size_t from) const { return text_.substr(from, position_ - from); }

  void skip_whitespace() {
    while (!at_end()) {
      const char c = text_[position_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++position_;
    }
  }

  bool consume(char expected) {
    if (peek() != expected) return false;
    ++position_;
    return true;
  }

  // After the opening quote: to just past the closing one. Strings are
  // most of a config's bytes, so they are crossed with memchr().
  bool skip_string_rest(bool allow_escapes) {
    while (true) {
      const char* from = text_.data() + position_;
      const std::size_t left = text_.size() - position_;
      const auto* quote = static_cast<const char*>(std::memchr(from, '"', left));
      if (quote == nullptr) return false;
      const auto* escape =
          static_cast<const char*>(std::memchr(from, '\\', static_cast<std::size_t>(quote - from)));
      if (escape == nullptr) {
        position_ = static_cast<std::size_t>(quote - text_.data()) + 1;
        return true;
      }
      // The escaped character (a quote, say) is skipped; \uXXXX's digits are
      // plain characters.
      if (!allow_escapes || escape + 1 >= text_.data() + text_.size()) return false;
      position_ = static_cast<std::size_t>(escape - text_.data()) + 2;
    }
  }

  // One value of any kind. Nesting is followed with a stack of the open
  // brackets, so a stray closing bracket of the wrong kind is caught.
  bool skip_value() {
    std::string& open = open_;
    open.clear();
    do {
      skip_whitespace();
      if (at_end()) return false;
      const char c = text_[position_];
      if (c == '{' || c == '[') {
        open.push_back(c);
        ++position_;
        continue;
      }
      if (c == '}' || c == ']' || c == ',' || c == ':') {
        // Structure inside a container: check that closers match.
        ++position_;
        if (c == '}' || c == ']') {
          if (open.empty() || open.back() != (c == '}' ? '{' : '[')) return false;
          open.pop_back();
        } else if (open.empty()) {
          return false;
        }
        continue;
      }
      if (c == '"') {
        ++position_;
        if (!skip_string_rest(true)) return false;
        continue;
      }
      // A number or a literal (true, false, null).
      const std::size_t start = position_;
      while (!at_end()) {
        const char d = text_[position_];
        const bool part = (d >= '0' && d <= '9') || (d >= 'a' && d <= 'z') || d == '-' ||
                          d == '+' || d == '.' || d == 'E';
        if (!part) break;
        ++position_;
      }
      if (position_ == start) return false;
    } while (!open.empty());
    return true;
  }

 private:
  std::string_view text_;
  std::size_t position_ = 0;
  std::string open_;  // the brackets open in the value being skipped
};

}  // namespace

std::optional<std::vector<JsonMember>> json_object_members(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  Cursor cursor(text);
  std::vector<JsonMember> members;
  cursor.skip_whitespace();
  if (!cursor.consume('{')) return std::nullopt;
  cursor.skip_whitespace();
  if (!cursor.consume('}')) {
    while (true) {
      cursor.skip_whitespace();
      if (!cursor.consume('"')) return std::nullopt;
      const std::size_t key_start = cursor.position();
      if (!cursor.skip_string_rest(false)) return std::nullopt;
      const std::string_view key = text.substr(key_start, cursor.position() - 1 - key_start);
      cursor.skip_whitespace();
      if (!cursor.consume(':')) return std::nullopt;
      cursor.skip_whitespace();
      const std::size_t value_start = cursor.position();
      if (!cursor.skip_value()) return std::nullopt;
      members.push_back({key, cursor.slice(value_start)});
      cursor.skip_whitespace();
      if (cursor.consume(',')) continue;
      if (cursor.consume('}')) break;
      return std::nullopt;
    }
  }
  cursor.skip_whitespace();
  if (!cursor.at_end()) return std::nullopt;
  return members;
}

}  // namespace qrexec_proxy
