import { api, CommandError } from './api';
import { renderFatal, renderSignIn } from './signin';

const root = document.getElementById('app')!;

api
  .appStatus()
  .then((status) => renderSignIn(root, status))
  .catch((err: unknown) => {
    renderFatal(root, err instanceof CommandError ? err.message : 'An unexpected error occurred.');
  });
