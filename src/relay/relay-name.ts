/** The name under which the relay keeps its checkpoint and the partition ends it published. */
export const RELAY_NAME = 'relay';
