import { Link } from '../components/Link.tsx';
import { PageHeading } from '../components/PageHeading.tsx';

export function NotFoundPage({ path }: { path: string }) {
  return (
    <>
      <PageHeading title="Page not found" />
      <div class="card">
        <p>
          There is no page at <code>{path}</code>. It may have moved, or the address may be mistyped.
        </p>
        <p>
          <Link href="/connections">Go to Connections</Link>
        </p>
      </div>
    </>
  );
}
