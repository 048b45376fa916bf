// Leveled, line-atomic logging (see log.hpp).
#include "common/log.hpp"

#include <chrono>
#include <ctime>
#include <stdexcept>

namespace lowcloud {

LogLevel parse_log_level(std::string_view text) {
    if (text == "debug") return LogLevel::debug;
    if (text == "info") return LogLevel::info;
    if (text == "warn" || text == "warning") return LogLevel::warn;
    if (text == "error") return LogLevel::error;
    if (text == "off") return LogLevel::off;
    throw std::invalid_argument("unknown log level '" + std::string(text) + "' (expected debug, info, warn, error or off)");
}

Logger::Logger(LogLevel level, std::ostream& out) : level_(level), out_(out) {}

std::string utc_timestamp_ms() {
    using namespace std::chrono;
    auto now = system_clock::now();
    auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::time_t t = system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms));
    return buf;
}

void Logger::log(LogLevel level, std::string_view message) {
    static constexpr const char* names[] = {"DEBUG", "INFO ", "WARN ", "ERROR", "OFF  "};
    std::string line = utc_timestamp_ms();
    line += ' ';
    line += names[static_cast<int>(level)];
    line += ' ';
    line += message;
    line += '\n';
    std::lock_guard lock(mutex_);
    out_ << line << std::flush;
}

}  // namespace lowcloud
