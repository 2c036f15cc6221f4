// Product categories, with the ones Schedule 3 of the PSTI Regulations excepts from the regime
// (verify the list against the made text before relying on it in front of users).

export interface Category {
  id: string;
  label: string;
  /** Why the law does not apply, when it does not. */
  excepted?: string;
}

export const categories: readonly Category[] = [
  { id: 'camera', label: 'Security camera or doorbell' },
  { id: 'router', label: 'Router, modem or mesh Wi-Fi' },
  { id: 'smart-speaker', label: 'Smart speaker or display' },
  { id: 'smart-tv', label: 'Smart TV or streaming device' },
  { id: 'smart-plug', label: 'Smart plug, switch or bulb' },
  { id: 'hub', label: 'Smart home hub or bridge' },
  { id: 'lock', label: 'Smart lock or alarm' },
  { id: 'thermostat', label: 'Thermostat or heating control' },
  { id: 'appliance', label: 'Connected appliance' },
  { id: 'wearable', label: 'Wearable or fitness tracker' },
  { id: 'toy', label: 'Connected toy or baby monitor' },
  { id: 'smartphone', label: 'Smartphone' },
  { id: 'tablet-cellular', label: 'Tablet with cellular connectivity' },
  { id: 'tablet-children', label: 'Tablet for children under 14' },
  { id: 'games-console', label: 'Games console' },
  { id: 'other', label: 'Other connectable product' },
  { id: 'tablet', label: 'Tablet without cellular connectivity', excepted: 'Schedule 3: tablets without cellular connectivity (not made for children under 14)' },
  { id: 'computer', label: 'Desktop or laptop computer', excepted: 'Schedule 3: desktop and laptop computers' },
  { id: 'ev-charge-point', label: 'Electric vehicle charge point', excepted: 'Schedule 3: smart charge points (covered by their own regulations)' },
  { id: 'medical-device', label: 'Medical device', excepted: 'Schedule 3: medical devices' },
  { id: 'smart-meter', label: 'Smart meter', excepted: 'Schedule 3: smart meters' },
];

export const categoryIds = categories.map((c) => c.id) as [string, ...string[]];

export function categoryOf(id: string): Category | undefined {
  return categories.find((c) => c.id === id);
}
