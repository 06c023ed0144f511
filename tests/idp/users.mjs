// The test identity provider's people. One password for all: these accounts exist only in tests
// and in the demo, on a provider bound to this machine.
export const PASSWORD = 'desk-demo-password';

// `groups` is the claim a company's provider would send; desk-server maps these group names onto
// the product's roles (agent_l1, agent_l2, supervisor, admin) by configuration.
export const USERS = {
  agent1: { name: 'Robin Tier-One', email: 'agent1@support-desk.test', groups: ['support-tier1'] },
  agent2: { name: 'Sam Tier-Two', email: 'agent2@support-desk.test', groups: ['support-tier2'] },
  supervisor: {
    name: 'Alex Supervisor',
    email: 'supervisor@support-desk.test',
    groups: ['support-supervisors'],
  },
  admin: { name: 'Kim Admin', email: 'admin@support-desk.test', groups: ['support-admins'] },
  // A second administrator: approves what the first proposes (changes that widen a role).
  admin2: { name: 'Jo Admin-Two', email: 'admin2@support-desk.test', groups: ['support-admins'] },
  norole: { name: 'Pat No-Role', email: 'norole@support-desk.test', groups: [] },
};

export function findUser(id) {
  return Object.hasOwn(USERS, id) ? USERS[id] : undefined;
}
