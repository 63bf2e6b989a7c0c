import { api } from '../../api/client';
import { okJson } from '../../api/errors';

// The new hire's activation page: whose link it is (first name only) and the first password.
export const openActivation = (token: string) => okJson(api.activation[':token'].$get({ param: { token } }));
export const activate = (token: string, password: string) => okJson(api.activation[':token'].$post({ param: { token }, json: { password } }));
