import { CsrfField, ErrorSummary, Field, FileField, Notice, Select, Time } from '../../core/web/components.js';
import type { ContentImage } from './service.js';

type Values = Record<string, string | undefined>;
type Errors = Record<string, string> | undefined;

/**
 * An image of the website at the right size for the screen: WebP where the browser takes it, the fallback elsewhere.
 * `alt` overrides the image's own description for this one use (a blank one does not: alt="" hides an image from people
 * who cannot see it, so only `decorative`, saying it adds nothing to the words, gives that).
 */
export function Picture(p: {
  image: ContentImage;
  alt?: string | undefined;
  decorative?: boolean;
  sizes?: string;
  class?: string;
  eager?: boolean;
}) {
  const sizes = p.sizes ?? '(min-width: 60rem) 60rem, 100vw';
  return (
    <picture class={p.class}>
      {p.image.webpSrcset && <source type="image/webp" srcset={p.image.webpSrcset} sizes={sizes} />}
      <img
        src={p.image.src}
        srcset={p.image.fallbackSrcset}
        sizes={sizes}
        alt={p.decorative ? '' : p.alt?.trim() ? p.alt : p.image.alt}
        width={p.image.width}
        height={p.image.height}
        loading={p.eager ? 'eager' : 'lazy'}
        decoding="async"
      />
    </picture>
  );
}

/** A choice of an uploaded image for a form (a featured image, a hero), with a link to upload a new one. */
export function ImageChooser(p: {
  name: string;
  label: string;
  images: readonly ContentImage[];
  value?: string | undefined;
  error?: string | undefined;
  hint?: string;
}) {
  return (
    <>
      <Select
        name={p.name}
        label={p.label}
        options={[{ value: '', label: 'No image' }, ...p.images.map((i) => ({ value: String(i.id), label: i.alt }))]}
        value={p.value}
        error={p.error}
        {...(p.hint ? { hint: p.hint } : {})}
      />
      <p class="hint">
        <a href="/admin/content/images">Upload an image</a> (it then appears in this list).
      </p>
    </>
  );
}

/** The website's images: upload one with its description, and the images uploaded so far. */
export function ImagesAdminView(p: {
  csrf: string;
  images: ContentImage[];
  total: number;
  page: number;
  pages: number;
  values: Values;
  errors: Errors;
  notice?: string | undefined;
  timeZone: string;
  maxMb: number;
}) {
  return (
    <>
      <p>
        <a href="/admin/content">Back to the website</a>
      </p>
      <h1>Images for the website</h1>
      <p>
        Upload photographs and pictures here to use them on campaign pages and updates. Lantern removes their hidden details (camera, place,
        author), so a photograph never tells anyone where it was taken, and makes smaller copies for phones. An animated GIF is shown as its
        first picture, still.
      </p>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <ErrorSummary errors={p.errors} />
      <form method="post" action="/admin/content/images" enctype="multipart/form-data" class="form" noValidate>
        <CsrfField token={p.csrf} />
        <FileField
          name="file"
          label="Image"
          accept="image/png,image/jpeg,image/webp,image/gif"
          hint={`A PNG, JPEG, WebP or GIF file, up to ${p.maxMb} MB.`}
          error={p.errors?.file}
        />
        <Field
          name="alt"
          label="What the image shows"
          value={p.values.alt}
          error={p.errors?.alt}
          maxLength={300}
          hint="Read out to people who cannot see the image. Say what matters in it, for example “Supporters holding candles outside the embassy”."
          required
        />
        <button type="submit">Upload the image</button>
      </form>
      <h2>Uploaded images ({p.total})</h2>
      {p.images.length === 0 ? (
        <p>{p.page > 1 ? 'There are no images on this page.' : 'No images yet.'}</p>
      ) : (
        <ul class="plain-list content-images">
          {p.images.map((i) => (
            <ImageItem key={i.id} image={i} csrf={p.csrf} timeZone={p.timeZone} values={p.values} errors={p.errors} page={p.page} />
          ))}
        </ul>
      )}
      <ImagesPager page={p.page} pages={p.pages} />
    </>
  );
}

/** One uploaded image on the staff page: its description (with the message when a change was refused), its Markdown, and delete. */
function ImageItem(p: { image: ContentImage; csrf: string; timeZone: string; values: Values; errors: Errors; page: number }) {
  const i = p.image;
  const field = `alt-${i.id}`;
  const error = p.errors?.[field];
  const id = `f-${field}`;
  return (
    <li id={`image-${i.id}`} class="content-image">
      <Picture image={i} sizes="20rem" />
      <form method="post" action={`/admin/content/images/${i.id}`} class="form">
        <CsrfField token={p.csrf} />
        {p.page > 1 && <input type="hidden" name="page" value={String(p.page)} />}
        <div class={`field${error ? ' field-error' : ''}`}>
          <label for={id}>What the image shows</label>
          {error && (
            <p class="error-message" id={`${id}-error`}>
              <span class="visually-hidden">Error: </span>
              {error}
            </p>
          )}
          <input
            id={id}
            name="alt"
            type="text"
            value={error ? (p.values[field] ?? '') : i.alt}
            maxLength={300}
            required
            aria-invalid={error ? 'true' : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
          />
        </div>
        <button type="submit" class="button-secondary">
          Save the description
        </button>
      </form>
      <p>
        Markdown to paste into an update: <code>{`![${i.alt.replace(/[\\[\]]/g, '\\$&')}](${i.src})`}</code>
      </p>
      <p class="muted">
        {i.width} × {i.height} pixels, uploaded <Time ms={i.createdAt} timeZone={p.timeZone} />
      </p>
      <form method="post" action={`/admin/content/images/${i.id}/delete`}>
        <CsrfField token={p.csrf} />
        <p class="hint" id={`delete-${i.id}-hint`}>
          Lantern does not check where the image is used: an update or page that shows it will show no image from then on.
        </p>
        <button type="submit" class="button-secondary" aria-describedby={`delete-${i.id}-hint`}>
          Delete this image
        </button>
      </form>
    </li>
  );
}

/** Links to newer and older images when there are more than one page holds. */
function ImagesPager({ page, pages }: { page: number; pages: number }) {
  if (pages <= 1 && page <= 1) return null;
  const href = (n: number) => (n <= 1 ? '/admin/content/images' : `/admin/content/images?page=${n}`);
  return (
    <nav class="pager" aria-label="Pages of images">
      {page > 1 && (
        <a href={href(Math.min(page - 1, pages))} rel="prev">
          Newer images
        </a>
      )}
      {page <= pages && (
        <span>
          Page {page} of {pages}
        </span>
      )}
      {page < pages && (
        <a href={href(page + 1)} rel="next">
          Older images
        </a>
      )}
    </nav>
  );
}
