import type { Me } from '../../shared/auth.js';
import type { Directory } from '../directory/port.js';
import type { RoleGroups } from '../directory/roles.js';
import { profileOf } from '../features/auth/service.js';
import type { Logger } from '../platform/logger.js';
import type { SessionRecheck } from './service.js';

/**
 * The directory recheck sessions run every `intervalMs`: gone, disabled or locked out ends the
 * session; otherwise roles, name, title and manager are refreshed from the directory.
 */
export function directoryRecheck(directory: Directory, roleGroups: RoleGroups, intervalMs: number, logger: Logger): SessionRecheck {
  return {
    intervalMs,
    async reload(username: string, previous: Me): Promise<Me | null> {
      const user = await directory.findUser(username);
      if (!user || user.disabled || user.locked) {
        const reason = !user ? 'gone' : user.disabled ? 'disabled' : 'locked';
        logger.info({ username, reason }, 'session ended: the directory no longer lets this person in');
        return null;
      }
      // The manager's name is only looked up again when the manager changed.
      let managerName = previous.managerName;
      if (user.manager !== previous.manager) {
        managerName = user.manager ? ((await directory.findUser(user.manager))?.displayName ?? null) : null;
      }
      return profileOf(user, roleGroups, managerName);
    },
    onUnavailable(username, error) {
      logger.warn({ username, err: error instanceof Error ? error.message : String(error) }, 'directory recheck failed; session kept');
    },
  };
}
