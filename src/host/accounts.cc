// Parses passwd(5) and group(5) files strictly: a malformed line is an error with its line
// number, because silently skipping it could hide a uid-0 account.
#include "host/accounts.h"

#include <algorithm>

#include <signal.h>

#include <cerrno>
#include <limits>

#include "core/parse.h"
#include "core/text.h"

namespace clawshield {
namespace {

Result<unsigned> parse_id(const std::string& text, const std::string& where) {
  auto value = parse_int(text, 0u, std::numeric_limits<unsigned>::max());
  if (!value)
    return fail(ErrorCode::bad_input, where + ": bad numeric id '" + text + "'");
  return *value;
}

// Calls `record(fields, where)` for each non-comment line of colon-separated file `path`,
// after checking it has `field_count` fields.
template <typename Record>
Result<void> for_each_record(const Filesystem& fs, const std::string& path, size_t field_count,
                             Record record) {
  CS_TRY(std::string text, fs.read(path));
  int line_number = 0;
  for (const auto& line : split_lines(text)) {
    ++line_number;
    if (trim(line).empty() || line.front() == '#')
      continue;
    const std::string where = fs.host_path(path) + ":" + std::to_string(line_number);
    auto fields = split(line, ':');
    if (fields.size() != field_count)
      return fail(ErrorCode::bad_input,
                  where + ": expected " + std::to_string(field_count) + " fields");
    CS_TRY_VOID(record(fields, where));
  }
  return {};
}

}  // namespace

Result<Accounts> Accounts::load(const Filesystem& fs) {
  Accounts accounts;
  CS_TRY_VOID(for_each_record(
      fs, "/etc/passwd", 7,
      [&](const std::vector<std::string>& fields, const std::string& where) -> Result<void> {
        CS_TRY(unsigned uid, parse_id(fields[2], where));
        CS_TRY(unsigned gid, parse_id(fields[3], where));
        accounts.m_users.emplace(fields[0], UserEntry{fields[0], uid, gid, fields[5], fields[6]});
        return {};
      }));
  CS_TRY_VOID(for_each_record(
      fs, "/etc/group", 4,
      [&](const std::vector<std::string>& fields, const std::string& where) -> Result<void> {
        CS_TRY(unsigned gid, parse_id(fields[2], where));
        std::vector<std::string> members;
        if (!fields[3].empty())
          members = split(fields[3], ',');
        accounts.m_groups.emplace(fields[0], GroupEntry{fields[0], gid, std::move(members)});
        return {};
      }));
  return accounts;
}

const UserEntry* Accounts::user(const std::string& name) const {
  auto it = m_users.find(name);
  return it == m_users.end() ? nullptr : &it->second;
}

const GroupEntry* Accounts::group(const std::string& name) const {
  auto it = m_groups.find(name);
  return it == m_groups.end() ? nullptr : &it->second;
}

const GroupEntry* Accounts::group_by_gid(gid_t gid) const {
  for (const auto& [name, entry] : m_groups)
    if (entry.gid == gid)
      return &entry;
  return nullptr;
}

std::vector<std::string> Accounts::groups_of(const UserEntry& user) const {
  std::vector<std::string> names;
  if (const GroupEntry* primary = group_by_gid(user.gid))
    names.push_back(primary->name);
  for (const auto& [name, entry] : m_groups) {
    if (entry.gid == user.gid)
      continue;
    for (const auto& member : entry.members)
      if (member == user.name)
        names.push_back(name);
  }
  return names;
}

Result<Ownership> Accounts::resolve(const std::string& owner, const std::string& group_name) const {
  const UserEntry* u = user(owner);
  if (!u)
    return fail(ErrorCode::not_found, "no user '" + owner + "'");
  const GroupEntry* g = group(group_name);
  if (!g)
    return fail(ErrorCode::not_found, "no group '" + group_name + "'");
  return Ownership{u->uid, g->gid};
}

std::vector<std::string> Accounts::root_equivalent_users() const {
  std::vector<std::string> names;
  for (const auto& [name, entry] : m_users)
    if (entry.uid == 0)
      names.push_back(name);
  return names;
}

std::vector<uint64_t> Accounts::uids() const {
  std::vector<uint64_t> ids;
  for (const auto& [name, user] : m_users) ids.push_back(user.uid);
  std::ranges::sort(ids);
  return ids;
}

std::vector<uint64_t> Accounts::gids() const {
  std::vector<uint64_t> ids;
  for (const auto& [name, group] : m_groups) ids.push_back(group.gid);
  std::ranges::sort(ids);
  return ids;
}

std::vector<const UserEntry*> Accounts::users_with_home(const std::string& home) const {
  std::vector<const UserEntry*> users;
  for (const auto& [name, entry] : m_users)
    if (entry.home == home)
      users.push_back(&entry);
  return users;
}

Result<std::vector<std::string>> stale_account_locks(const Filesystem& fs) {
  std::vector<std::string> stale;
  for (const char* name : {"passwd", "shadow", "group", "gshadow"}) {
    const std::string lock = "/etc/" + std::string(name) + ".lock";
    CS_TRY(auto lock_stat, fs.stat(lock));
    if (lock_stat) {
      // shadow writes its PID, as decimal text, into the lock.
      auto text = fs.read(lock);
      const std::string pid_text = text ? std::string(trim(*text)) : std::string();
      const int pid = parse_int(pid_text, 0, std::numeric_limits<int>::max()).value_or(0);
      const bool valid = text && pid > 0;
      if (valid && (::kill(pid, 0) == 0 || errno != ESRCH))
        return fail(ErrorCode::refused, fs.host_path(lock) + " is held by running process " +
                                            std::to_string(pid) +
                                            " (an account tool is at work); try again when it "
                                            "has finished");
      stale.push_back(lock);
    }
    const std::string temp = "/etc/" + std::string(name) + "+";
    CS_TRY(auto temp_stat, fs.stat(temp));
    if (temp_stat && temp_stat->type == FileType::regular)
      stale.push_back(temp);
  }
  return stale;
}

}  // namespace clawshield
