// The public side: announced meetings only (JSON, Atom per RFC 4287,
// iCalendar per RFC 5545). Nothing here may depend on an unannounced meeting.

#include <algorithm>

#include "common/encoding.h"
#include "service/service.h"
#include "tz/zones.h"

namespace parley::service {

namespace {

// RFC 5545 §3.3.11: backslash, semicolon, comma and newline are escaped.
std::string ical_text(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == ';' || c == ',') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// RFC 5545 §3.1: lines longer than 75 octets are folded with CRLF + space,
// never inside a UTF-8 sequence.
std::string ical_line(const std::string& line) {
  std::string out;
  std::size_t count = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    bool starts_char = (c & 0xC0) != 0x80;
    if (starts_char && count >= 74) {
      out += "\r\n ";
      count = 1;
    }
    out += line[i];
    ++count;
  }
  return out + "\r\n";
}

std::string ical_time(Seconds t) {
  std::string s = format_utc(t);  // 2026-12-07T15:00:00Z -> 20261207T150000Z
  std::string out;
  for (char c : s)
    if (c != '-' && c != ':') out += c;
  return out;
}

}  // namespace

Json Service::announcements() const {
  auto now = now_();
  std::vector<std::pair<Seconds, Json>> items;
  for (const auto& [id, r] : meetings_) {
    const auto& m = r.durable;
    if (r.durable_len == 0 || !m.announced_by(now)) continue;
    auto value = [&](const char* p) { return m.params.at(p).current().value; };
    auto start = *parse_utc(value("start").get<std::string>());
    Json parties = Json::array();
    for (const auto& p : m.parties) {
      Json pj = party_json(p);
      auto l = tz::to_local(start, parties_.at(p).time_zone);
      pj["start_local"] = l.local;
      pj["start_display"] = l.display;
      parties.push_back(pj);
    }
    Json agenda = Json::array();
    for (const auto& item : value("agenda")) agenda.push_back(item["title"]);
    Json a = {{"id", id},
              {"title", value("title")},
              {"status", m.withdrawal ? "withdrawn" : "announced"},
              {"published_at", format_utc(*m.announce_at())},
              {"start", value("start")},
              {"end", format_utc(start + std::chrono::minutes(value("duration_minutes").get<std::int64_t>()))},
              {"duration_minutes", value("duration_minutes")},
              {"parties", parties},
              {"agenda", agenda},
              {"languages", value("languages")["languages"]},
              {"text", value("announcement")["text"]},
              {"predecessor", value("predecessor")},
              {"terms_hash", m.terms_hash()},
              {"links", {{"ical", "/public/meetings/" + id + ".ics"}, {"atom", "/public/announcements.atom"}}}};
    if (m.withdrawal)
      a["withdrawal"] = {{"party", m.withdrawal->party}, {"reason", m.withdrawal->reason},
                         {"at", format_utc(m.withdrawal->at)}};
    items.emplace_back(m.withdrawal ? m.withdrawal->at : *m.announce_at(), std::move(a));
  }
  std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  Json out = Json::array();
  for (auto& [_, a] : items) out.push_back(std::move(a));
  return out;
}

std::string Service::atom_feed() const {
  Json items = announcements();
  std::string updated = items.empty() ? "1970-01-01T00:00:00Z" : items[0]["published_at"].get<std::string>();
  for (const auto& a : items)
    if (a.contains("withdrawal")) updated = std::max(updated, a["withdrawal"]["at"].get<std::string>());
  const std::string& base = cfg_.public_url;
  std::string x = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
  x += "  <id>" + markup_escape(base) + "/public/announcements.atom</id>\n";
  x += "  <title>Parley announcements</title>\n";
  x += "  <updated>" + updated + "</updated>\n";
  x += "  <link rel=\"self\" href=\"" + markup_escape(base) + "/public/announcements.atom\"/>\n";
  x += "  <author><name>Parley</name></author>\n";
  for (const auto& a : items) {
    std::string id = a["id"].get<std::string>();
    bool withdrawn = a["status"] == "withdrawn";
    std::string title = a["title"].get<std::string>();
    std::string summary = a["text"].get<std::string>() + "\n\nStarts " + a["start"].get<std::string>() +
                          " (" + std::to_string(a["duration_minutes"].get<std::int64_t>()) + " min).";
    for (const auto& p : a["parties"])
      summary += "\n" + p["name"].get<std::string>() + ": " + p["start_display"].get<std::string>();
    if (withdrawn) {
      title = "Withdrawn: " + title;
      summary = "Withdrawn by " + a["withdrawal"]["party"].get<std::string>() + ": " +
                a["withdrawal"]["reason"].get<std::string>() + "\n\n" + summary;
    }
    x += "  <entry>\n";
    x += "    <id>urn:parley:meeting:" + markup_escape(id) + "</id>\n";
    x += "    <title>" + markup_escape(title) + "</title>\n";
    x += "    <published>" + a["published_at"].get<std::string>() + "</published>\n";
    x += "    <updated>" + (withdrawn ? a["withdrawal"]["at"] : a["published_at"]).get<std::string>() + "</updated>\n";
    x += "    <link rel=\"alternate\" type=\"text/calendar\" href=\"" + markup_escape(base) +
         "/public/meetings/" + markup_escape(id) + ".ics\"/>\n";
    x += "    <summary type=\"text\">" + markup_escape(summary) + "</summary>\n";
    x += "  </entry>\n";
  }
  x += "</feed>\n";
  return x;
}

Expected<std::string> Service::icalendar(std::string_view id) const {
  auto it = meetings_.find(id);
  auto now = now_();
  if (it == meetings_.end() || it->second.durable_len == 0 || !it->second.durable.announced_by(now))
    return make_error("not_found", "no such resource");
  const auto& m = it->second.durable;
  auto value = [&](const char* p) { return m.params.at(p).current().value; };
  auto start = *parse_utc(value("start").get<std::string>());
  auto end = start + std::chrono::minutes(value("duration_minutes").get<std::int64_t>());
  std::string description = value("announcement")["text"].get<std::string>() + "\n\nAgenda:";
  int n = 0;
  for (const auto& item : value("agenda"))
    description += "\n" + std::to_string(++n) + ". " + item["title"].get<std::string>();
  description += "\n\nTerms hash (SHA-256): " + m.terms_hash();
  std::string summary = value("title").get<std::string>();
  // A UTC start (the Z form of RFC 5545 §3.3.5) needs no VTIMEZONE.
  std::string out;
  out += ical_line("BEGIN:VCALENDAR");
  out += ical_line("VERSION:2.0");
  out += ical_line("PRODID:-//Parley//Parley 0.1//EN");
  out += ical_line("CALSCALE:GREGORIAN");
  out += ical_line("METHOD:PUBLISH");
  out += ical_line("BEGIN:VEVENT");
  out += ical_line("UID:" + std::string(id) + "@parley");
  out += ical_line("DTSTAMP:" + ical_time(m.withdrawal ? m.withdrawal->at : *m.announce_at()));
  out += ical_line("DTSTART:" + ical_time(start));
  out += ical_line("DTEND:" + ical_time(end));
  out += ical_line("SUMMARY:" + ical_text(summary));
  out += ical_line("DESCRIPTION:" + ical_text(description));
  out += ical_line("STATUS:" + std::string(m.withdrawal ? "CANCELLED" : "CONFIRMED"));
  out += ical_line("SEQUENCE:" + std::string(m.withdrawal ? "1" : "0"));
  out += ical_line("END:VEVENT");
  out += ical_line("END:VCALENDAR");
  return out;
}

}  // namespace parley::service
