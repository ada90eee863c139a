#include "admin/journal/time_spec.hpp"

#include <cctype>
#include <charconv>
#include <ctime>
#include <string>
#include <vector>

namespace qrexec_proxy::admin {
namespace {

using std::chrono::seconds;

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

std::optional<seconds> unit_length(std::string_view unit) {
  struct Unit {
    std::string_view name;
    long long seconds;
  };
  static constexpr Unit units[] = {
      {"s", 1},       {"sec", 1},      {"secs", 1},    {"second", 1},    {"seconds", 1},
      {"m", 60},      {"min", 60},     {"mins", 60},   {"minute", 60},   {"minutes", 60},
      {"h", 3600},    {"hr", 3600},    {"hour", 3600}, {"hours", 3600},  {"d", 86400},
      {"day", 86400}, {"days", 86400}, {"w", 604800},  {"week", 604800}, {"weeks", 604800},
  };
  for (const auto& known : units)
    if (known.name == unit) return seconds(known.seconds);
  return std::nullopt;
}

// "1h30min", "90 minutes", "2 days 3 hours": one or more NUMBER UNIT pairs.
std::optional<seconds> parse_span(std::string_view text) {
  seconds total{0};
  bool any = false;
  while (true) {
    text = trim(text);
    if (text.empty()) break;
    long long count = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), count);
    if (error != std::errc() || count < 0 || count > 100LL * 365 * 86400) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    text = trim(text);
    std::size_t letters = 0;
    while (letters < text.size() && std::isalpha(static_cast<unsigned char>(text[letters])))
      ++letters;
    const auto unit = unit_length(text.substr(0, letters));
    if (!unit) return std::nullopt;
    total += count * *unit;
    if (total > seconds(100LL * 365 * 86400)) return std::nullopt;
    any = true;
    text.remove_prefix(letters);
  }
  if (!any) return std::nullopt;
  return total;
}

bool parse_number(std::string_view text, int& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

// Local midnight of the day `now` falls in, `days_back` days before.
std::optional<TimePoint> local_midnight(TimePoint now, int days_back) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  if (::localtime_r(&t, &local) == nullptr) return std::nullopt;
  local.tm_hour = local.tm_min = local.tm_sec = 0;
  local.tm_mday -= days_back;
  local.tm_isdst = -1;
  const std::time_t midnight = std::mktime(&local);
  if (midnight == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(midnight);
}

// YYYY-MM-DD[( |T)HH:MM[:SS]] in local time.
std::optional<TimePoint> parse_absolute(std::string_view text) {
  if (text.size() != 10 && text.size() != 16 && text.size() != 19) return std::nullopt;
  if (text[4] != '-' || text[7] != '-') return std::nullopt;
  std::tm local{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!parse_number(text.substr(0, 4), year) || !parse_number(text.substr(5, 2), month) ||
      !parse_number(text.substr(8, 2), day))
    return std::nullopt;
  if (text.size() > 10) {
    if ((text[10] != ' ' && text[10] != 'T') || text[13] != ':') return std::nullopt;
    if (!parse_number(text.substr(11, 2), hour) || !parse_number(text.substr(14, 2), minute))
      return std::nullopt;
    if (text.size() == 19 && (text[16] != ':' || !parse_number(text.substr(17, 2), second)))
      return std::nullopt;
  }
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
      second > 59)
    return std::nullopt;
  local.tm_year = year - 1900;
  local.tm_mon = month - 1;
  local.tm_mday = day;
  local.tm_hour = hour;
  local.tm_min = minute;
  local.tm_sec = second;
  local.tm_isdst = -1;
  std::tm normalised = local;
  const std::time_t t = std::mktime(&normalised);
  // mktime moves 2026-02-31 to March: such a date does not exist.
  if (t == static_cast<std::time_t>(-1) || normalised.tm_mday != day ||
      normalised.tm_mon != month - 1)
    return std::nullopt;
  return std::chrono::system_clock::from_time_t(t);
}

}  // namespace

std::optional<TimePoint> parse_time_spec(std::string_view text, TimePoint now) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  if (text == "now") return now;
  if (text == "today") return local_midnight(now, 0);
  if (text == "yesterday") return local_midnight(now, 1);
  if (text.front() == '@') {
    long long epoch = 0;
    const auto digits = text.substr(1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), epoch);
    if (error != std::errc() || end != digits.data() + digits.size() || epoch < 0)
      return std::nullopt;
    return TimePoint(seconds(epoch));
  }
  if (text.front() == '-') {
    const auto span = parse_span(text.substr(1));
    if (!span) return std::nullopt;
    return now - *span;
  }
  if (text.ends_with("ago")) {
    const auto span = parse_span(text.substr(0, text.size() - 3));
    if (!span) return std::nullopt;
    return now - *span;
  }
  return parse_absolute(text);
}

}  // namespace qrexec_proxy::admin
