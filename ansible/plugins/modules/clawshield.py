#!/usr/bin/python
# -*- coding: utf-8 -*-
# Why this module exists: a fleet is driven from Ansible, and clawshield's own safety nets
# (plan before apply, commit-confirmed firewall, exit 2 = refused with nothing changed) must
# survive being driven that way. The module runs on the target as root; it writes the policy
# file it manages, plans in check mode, applies otherwise and reports verify's findings as
# facts. It never confirms a firewall itself: a confirm from the connection that applied it
# proves nothing (conntrack keeps an established session alive under a ruleset that refuses
# new ones), so it returns confirm_pending and the role confirms over a new connection.

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: clawshield
short_description: Harden a server running OpenClaw with clawshield
version_added: "0.1.0"
description:
  - Runs C(clawshield) on the target to plan, apply, confirm or verify its hardened posture.
  - In check mode it runs C(clawshield plan --json) and reports C(changed) and a diff from the
    plan; nothing on the host changes, the policy file included (the new policy is passed to
    C(plan) from a temporary file).
  - Otherwise (I(state=applied)) it writes I(policy) to I(policy_path) when different, runs
    C(clawshield apply), then C(clawshield verify --json) and C(clawshield verify --checklist
    --json), returned as facts.
  - An apply that loads a new firewall is commit-confirmed by clawshield. The module never
    confirms it over the connection that applied it. It returns I(confirm_pending=true); run
    C(ansible.builtin.meta) C(reset_connection) and then this module with I(state=confirmed),
    so C(clawshield confirm) arrives over a new SSH connection and proves that one still gets
    in. Otherwise clawshield rolls the whole apply back after its timeout. The role
    C(clawshield.hardening.clawshield) does this.
  - When clawshield exits 2 (bad policy, or a refusal such as a firewall that would cut the
    SSH session the module runs over) the module fails with clawshield's own message, and the
    policy file it wrote is put back as it was, so nothing changed.
author:
  - clawshield developers (!UNKNOWN)
requirements:
  - clawshield installed on the target (the C(clawshield) Debian package)
  - Root on the target (C(become=true))
options:
  state:
    description:
      - C(applied) plans (check mode) or applies the policy, then verifies.
      - C(confirmed) runs C(clawshield confirm) to keep the firewall the last apply loaded,
        then verifies. Run it over a new connection, after C(ansible.builtin.meta) C(reset_connection).
      - C(verified) only runs the checks; it never changes anything.
    type: str
    choices: [applied, confirmed, verified]
    default: applied
  policy:
    description:
      - The policy, as a mapping with clawshield's keys (see C(clawshield policy show)).
        It is written as YAML to I(policy_path), mode 0600, owner root, and rewritten only
        when its text, mode or owner differ.
      - An empty mapping is a valid policy, clawshield's built-in defaults.
      - Omitted, the module leaves I(policy_path) alone and clawshield reads whatever is there
        (or its defaults).
    type: dict
  policy_path:
    description:
      - The policy file the module manages; clawshield reads it by default.
    type: path
    default: /etc/clawshield/policy.yaml
  confirm_timeout:
    description:
      - Seconds clawshield waits for C(clawshield confirm) before rolling the apply back
        (C(apply --confirm-timeout)). Omitted, the policy's C(firewall.confirm_timeout) (120 s
        by default).
      - C(0) loads the firewall with no safety net and needs no confirmation. Set it only when
        you can reach the host's console.
    type: int
  binary:
    description:
      - Path of the clawshield executable on the target.
    type: path
    default: /usr/bin/clawshield
  checklist:
    description:
      - Also answer the seed's security checklist (C(clawshield verify --checklist --json)).
    type: bool
    default: true
  verify:
    description:
      - Run C(clawshield verify --json) after I(state=applied) or I(state=confirmed) and return
        its findings as facts. I(state=verified) always verifies.
    type: bool
    default: true
  fail_on_verify:
    description:
      - Fail when a verify check fails (C(clawshield verify) exit 1).
      - Never while an apply awaits confirmation, so the confirming task still runs.
    type: bool
    default: false
notes:
  - Check mode is fully supported. Diff mode shows the policy file's change and each planned
    change with its unified diff.
  - Exit codes of clawshield, C(0) ok, C(1) changes pending or a check failed, C(2) bad input or
    refusal (nothing changed), C(3) apply failed and was rolled back.
'''

EXAMPLES = r'''
- name: Harden with the built-in defaults and the binary the Debian package installs
  clawshield.hardening.clawshield:
    policy:
      guard:
        executable: /usr/bin/clawshield
  register: hardened

- name: Drop the SSH connection that applied, so the confirm below opens a new one
  ansible.builtin.meta: reset_connection

- name: Keep the new firewall, from a new SSH connection
  clawshield.hardening.clawshield:
    state: confirmed
  when: hardened.confirm_pending

- name: Only check the posture, failing on any failed check
  clawshield.hardening.clawshield:
    state: verified
    fail_on_verify: true

- name: From a console-only automation host, no commit-confirmed safety net
  clawshield.hardening.clawshield:
    policy: {}
    confirm_timeout: 0
'''

RETURN = r'''
pending:
  description: Changes the plan counts (check mode).
  returned: check mode with I(state=applied)
  type: int
  sample: 7
plan:
  description: The output of C(clawshield plan --json).
  returned: check mode with I(state=applied)
  type: dict
  sample: {"pending": 1, "skipped": 0, "layers": [{"id": "sudo", "number": 7, "changes": []}]}
apply:
  description: The output of C(clawshield apply --json), the journal id and each change made.
  returned: I(state=applied), not in check mode
  type: dict
  sample: {"journal": "20261125T123000Z-001", "changes": ["sudo: create /etc/sudoers.d/openclaw"], "skipped": []}
policy_changed:
  description: Whether the policy file was (or in check mode would be) rewritten.
  returned: when I(policy) is given
  type: bool
confirm_pending:
  description:
    - The apply loaded a firewall that clawshield rolls back unless C(clawshield confirm) runs
      in time. Confirm it over a new connection (I(state=confirmed) after
      C(ansible.builtin.meta) C(reset_connection)).
  returned: always
  type: bool
  sample: true
confirm:
  description: What C(clawshield confirm) said.
  returned: I(state=confirmed), not in check mode
  type: str
  sample: apply 20261125T123000Z-001 confirmed; the new firewall stays
ssh_connection:
  description:
    - The SSH connection the module ran over, as sshd's C(SSH_CONNECTION) (client address and
      port, server address and port), read from its ancestors' environment. An apply and the
      confirm that follows it show different client ports when the confirm came over a new
      connection.
  returned: when the module runs below an sshd session
  type: str
  sample: 10.215.1.1 53214 10.215.1.2 22
ansible_facts:
  description: Facts about the host's posture.
  returned: always
  type: complex
  contains:
    clawshield_verify:
      description: C(clawshield verify --json) (C(summary), C(ok), C(checks)).
      type: dict
      returned: when verify runs (I(verify=true) or I(state=verified)), not in check mode with I(state=applied)
    clawshield_checklist:
      description: C(clawshield verify --checklist --json) (C(ok), C(checklist)).
      type: dict
      returned: when verify runs and I(checklist=true)
    clawshield_confirm_pending:
      description: Same as I(confirm_pending).
      type: bool
      returned: always
'''

import json
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text

PENDING_FILE = '/var/lib/clawshield/firewall-pending.json'
POLICY_HEADER = '# Managed by Ansible (clawshield.hardening.clawshield): changes here are overwritten.\n'


def yaml_scalar(value):
    """One scalar as YAML. Strings are double-quoted JSON, which YAML 1.2 reads the same."""
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(to_text(value), ensure_ascii=False)


def yaml_lines(value, indent):
    """Block YAML for mappings and lists, in the order given (stable text, so comparable)."""
    pad = '  ' * indent
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            key_text = to_text(key)
            if not key_text.replace('_', '').isalnum():
                key_text = json.dumps(key_text, ensure_ascii=False)
            if isinstance(item, (dict, list)) and item:
                lines.append('%s%s:' % (pad, key_text))
                lines.extend(yaml_lines(item, indent + 1))
            else:
                lines.append('%s%s: %s' % (pad, key_text, yaml_empty_or_scalar(item)))
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                nested = yaml_lines(item, indent + 1)
                lines.append('%s- %s' % (pad, nested[0].lstrip()))
                lines.extend(nested[1:])
            else:
                lines.append('%s- %s' % (pad, yaml_empty_or_scalar(item)))
    return lines


def yaml_empty_or_scalar(value):
    if isinstance(value, dict):
        return '{}'
    if isinstance(value, list):
        return '[]'
    return yaml_scalar(value)


def render_policy(policy):
    if not policy:
        return POLICY_HEADER + '{}\n'
    return POLICY_HEADER + '\n'.join(yaml_lines(policy, 0)) + '\n'


def read_file(path):
    try:
        with open(path, 'rb') as handle:
            return to_text(handle.read(), errors='surrogate_or_strict')
    except (IOError, OSError):
        return None


def write_file(path, text):
    """Writes `text` to `path` atomically, mode 0600, owner root where we are root."""
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        os.makedirs(folder, 0o755)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix='.policy-')
    try:
        os.fchmod(handle, 0o600)
        if os.geteuid() == 0:
            os.fchown(handle, 0, 0)
        os.write(handle, to_bytes(text))
        os.fsync(handle)
        os.close(handle)
        handle = None
        os.rename(temporary, path)
    finally:
        if handle is not None:
            os.close(handle)
        if os.path.exists(temporary):
            os.unlink(temporary)


def file_needs_change(path, text):
    if read_file(path) != text:
        return True
    info = os.stat(path)
    if info.st_mode & 0o7777 != 0o600:
        return True
    return os.geteuid() == 0 and (info.st_uid != 0 or info.st_gid != 0)


def find_ssh_connection():
    """SSH_CONNECTION from the nearest ancestor that has it (sudo drops it from ours)."""
    pid = os.getpid()
    for _step in range(64):
        if pid <= 1:
            return None
        try:
            with open('/proc/%d/environ' % pid, 'rb') as handle:
                for item in handle.read().split(b'\0'):
                    if item.startswith(b'SSH_CONNECTION='):
                        return to_text(item.split(b'=', 1)[1])
            with open('/proc/%d/stat' % pid, 'rb') as handle:
                stat = to_text(handle.read())
            pid = int(stat.rsplit(')', 1)[1].split()[1])
        except (IOError, OSError, ValueError, IndexError):
            return None
    return None


def first_json(text):
    """The JSON object clawshield printed first, and what follows it (apply adds a line)."""
    stripped = text.lstrip()
    if not stripped.startswith('{'):
        return None, text
    try:
        document, end = json.JSONDecoder().raw_decode(stripped)
    except ValueError:
        return None, text
    return document, stripped[end:]


def refusal_text(err):
    """clawshield's refusal from its stderr: the lines of the layers in error and its own
    "clawshield: ..." lines (apply prints every layer's plan there); all of it otherwise."""
    picked = []
    in_error = False
    for line in err.splitlines():
        if line.startswith('Layer '):
            in_error = line.rstrip().endswith(': error')
            if in_error:
                picked.append(line.strip())
        elif in_error and line.startswith(' '):
            picked.append(line.strip())
        else:
            in_error = False
            if line.startswith('clawshield:'):
                picked.append(line.strip())
    return '; '.join(picked) if picked else err.strip()


def pending_confirmation():
    document, _rest = first_json(read_file(PENDING_FILE) or '')
    if isinstance(document, dict) and document.get('state') == 'armed':
        return document
    return None


class Clawshield(object):
    def __init__(self, module):
        self.module = module
        self.binary = module.params['binary']
        self.result = dict(changed=False, confirm_pending=False)
        connection = find_ssh_connection()
        if connection:
            self.result['ssh_connection'] = connection

    def run(self, *args):
        rc, out, err = self.module.run_command([self.binary] + list(args))
        return rc, out, err

    def fail(self, message, **extra):
        self.result.update(extra)
        self.result['ansible_facts'] = dict(
            clawshield_confirm_pending=self.result['confirm_pending'])
        self.module.fail_json(msg=message, **self.result)

    def refused(self, rc, out, err, what):
        """clawshield's own message: stderr, else the errors a JSON plan carries."""
        message = refusal_text(err)
        if not message:
            document, _rest = first_json(out)
            errors = []
            for layer in (document or {}).get('layers', []):
                if layer.get('error'):
                    errors.append('%s: %s' % (layer.get('id'), layer['error']))
            message = '; '.join(errors) or out.strip() or '%s exited %d' % (what, rc)
        self.fail(message, rc=rc, stdout=out, stderr=err)

    def plan(self, policy_text):
        """Check mode: plan against the new policy from a temporary file; change nothing."""
        args = ['--json', 'plan']
        temporary = None
        if policy_text is not None:
            temporary = os.path.join(self.module.tmpdir, 'policy.yaml')
            with open(temporary, 'w') as handle:
                handle.write(policy_text)
            os.chmod(temporary, 0o600)
            args += ['--policy', temporary]
        rc, out, err = self.run(*args)
        if rc not in (0, 1):
            self.refused(rc, out, err, 'clawshield plan')
        document, _rest = first_json(out)
        if document is None:
            self.fail('clawshield plan printed no JSON', rc=rc, stdout=out, stderr=err)
        self.result['plan'] = document
        self.result['pending'] = document.get('pending', 0)
        if self.result['pending'] > 0:
            self.result['changed'] = True
        return document

    def apply(self, confirm_timeout):
        args = ['--json', 'apply']
        if confirm_timeout is not None:
            args += ['--confirm-timeout', str(confirm_timeout)]
        rc, out, err = self.run(*args)
        if rc != 0:
            return rc, out, err
        document, rest = first_json(out)
        if document is None:
            document = dict(output=out)
        self.result['apply'] = document
        if document.get('changes'):
            self.result['changed'] = True
        journal = document.get('journal')
        armed = pending_confirmation()
        if 'clawshield confirm' in rest or (armed and armed.get('journal') == journal):
            self.result['confirm_pending'] = True
            self.result['confirm_message'] = rest.strip()
        return rc, out, err

    def confirm(self):
        rc, out, err = self.run('confirm')
        if rc != 0:
            self.fail(err.strip() or out.strip() or 'clawshield confirm exited %d' % rc,
                      rc=rc, stdout=out, stderr=err)
        self.result['confirm'] = out.strip()
        if 'no apply is waiting' not in out:
            self.result['changed'] = True

    def verify(self, checklist):
        facts = dict()
        rc, out, err = self.run('--json', 'verify')
        if rc not in (0, 1):
            self.refused(rc, out, err, 'clawshield verify')
        facts['clawshield_verify'], _rest = first_json(out)
        if checklist:
            rc, out, err = self.run('--json', 'verify', '--checklist')
            if rc not in (0, 1):
                self.refused(rc, out, err, 'clawshield verify --checklist')
            facts['clawshield_checklist'], _rest = first_json(out)
        return facts


def plan_diff(policy_path, before, after, plan):
    """Ansible diffs: the policy file's before/after, then each planned change."""
    diffs = []
    if after is not None and before != after:
        diffs.append(dict(before=before or '', after=after,
                          before_header=policy_path, after_header=policy_path))
    lines = []
    for layer in plan.get('layers', []):
        for change in layer.get('changes', []):
            if change.get('skipped'):
                continue
            lines.append('# %s: %s\n' % (layer.get('id'), change.get('summary')))
            if change.get('diff'):
                text = change['diff']
                lines.append(text if text.endswith('\n') else text + '\n')
    if lines:
        diffs.append(dict(prepared=''.join(lines)))
    return diffs


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type='str', default='applied', choices=['applied', 'confirmed', 'verified']),
            policy=dict(type='dict'),
            policy_path=dict(type='path', default='/etc/clawshield/policy.yaml'),
            confirm_timeout=dict(type='int'),
            binary=dict(type='path', default='/usr/bin/clawshield'),
            checklist=dict(type='bool', default=True),
            verify=dict(type='bool', default=True),
            fail_on_verify=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    tool = Clawshield(module)
    if not os.access(params['binary'], os.X_OK):
        tool.fail('clawshield is not installed at %s' % params['binary'])
    if params['confirm_timeout'] is not None and not 0 <= params['confirm_timeout'] <= 3600:
        tool.fail('confirm_timeout must be 0-3600 seconds')

    policy_path = params['policy_path']
    policy_text = None
    before = None
    if params['policy'] is not None:
        policy_text = render_policy(params['policy'])
        before = read_file(policy_path)
        tool.result['policy_changed'] = file_needs_change(policy_path, policy_text)

    state = params['state']
    if state == 'applied' and module.check_mode:
        # Plan only, against the new policy: the host, its policy file included, stays as is.
        plan = tool.plan(policy_text)
        if tool.result.get('policy_changed'):
            tool.result['changed'] = True
        if module._diff:
            tool.result['diff'] = plan_diff(policy_path, before, policy_text, plan)
        tool.result['confirm_pending'] = pending_confirmation() is not None
        tool.result['ansible_facts'] = dict(
            clawshield_confirm_pending=tool.result['confirm_pending'])
        module.exit_json(**tool.result)

    if state == 'applied':
        # The policy first (clawshield reads it), put back as it was if apply changes nothing.
        if tool.result.get('policy_changed'):
            write_file(policy_path, policy_text)
            tool.result['changed'] = True
        rc, out, err = tool.apply(params['confirm_timeout'])
        if rc != 0:
            if tool.result.get('policy_changed'):
                if before is None:
                    os.unlink(policy_path)
                else:
                    write_file(policy_path, before)
                tool.result['changed'] = False
                tool.result['policy_restored'] = True
            document, _rest = first_json(out)
            if document is not None:
                tool.result['apply'] = document
            tool.refused(rc, out, err, 'clawshield apply')
    elif state == 'confirmed':
        if module.check_mode:
            tool.result['confirm_pending'] = pending_confirmation() is not None
            tool.result['changed'] = tool.result['confirm_pending']
        else:
            tool.confirm()

    facts = dict()
    if params['verify'] or state == 'verified':
        facts = tool.verify(params['checklist'])
    facts['clawshield_confirm_pending'] = tool.result['confirm_pending']
    tool.result['ansible_facts'] = facts
    verified = facts.get('clawshield_verify')
    if verified is not None and params['fail_on_verify'] and not tool.result['confirm_pending'] and not verified.get('ok', False):
        failed = [check['id'] for check in verified.get('checks', []) if check.get('status') == 'fail']
        module.fail_json(msg='clawshield verify: failed checks: %s' % ', '.join(failed), **tool.result)
    module.exit_json(**tool.result)


if __name__ == '__main__':
    main()
