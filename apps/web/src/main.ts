import { ServerSource } from '@trainscope/viewer';
import { API_KEY_KEY, mountApp } from './app.js';
import { pageSettings } from './settings.js';

const settings = pageSettings(location.href, localStorage.getItem(API_KEY_KEY));
if (settings.keyToStore) {
  localStorage.setItem(API_KEY_KEY, settings.keyToStore);
  history.replaceState(history.state, '', settings.href);
}
const source = new ServerSource({ url: settings.server, ...(settings.apiKey ? { apiKey: settings.apiKey } : {}) });
mountApp(
  {
    main: document.getElementById('app') as HTMLElement,
    crumbs: document.getElementById('crumbs') as HTMLElement,
    theme: document.getElementById('theme') as HTMLSelectElement,
  },
  source,
  localStorage,
);
