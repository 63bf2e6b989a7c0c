/** The IndexedDB database holding the offline knowledge base (its own file so deleting it loads nothing else). */
export const KB_DB_NAME = 'portal-kb-offline';
