// Settings → Export configuration (issue #16 item 10): every connection's settings as a YAML file
// in the configuration file's format, secrets as ${VAR} placeholders. A plain link: the browser
// downloads it with the session cookie (GET /api/config/export, admins only).
import type { Me } from '../../../src/http/api-types.ts';

export function ConfigExportSection({ me }: { me: Me }) {
  const admin = me.role === 'admin';
  return (
    <section class="card config-export-card" aria-labelledby="config-export-heading">
      <div class="card-header">
        <h2 id="config-export-heading">Export configuration</h2>
        <p class="card-description">
          Every connection's settings as a YAML file in the configuration file's own format. Put its <code>connections:</code>{' '}
          list into the config file of another install (or this one, rebuilt) and the same connections start with the same
          settings.
        </p>
      </div>
      <ul class="config-export-notes">
        <li>
          No token or webhook secret is in the file: each is a <code>{'${VARIABLE}'}</code> named after its connection, and the
          top of the file lists the variables to set before starting with it.
        </li>
        <li>
          Sides connected with OAuth cannot be exported: after loading the file, connect them again on the connection's page.
          Sandbox connections are left out.
        </li>
      </ul>
      {admin ? (
        <a class="button button-secondary" id="config-export-download" href="/api/config/export" download>
          Download configuration (YAML)
        </a>
      ) : (
        <p class="muted">Only admins can download the configuration.</p>
      )}
    </section>
  );
}
