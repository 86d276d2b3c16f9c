import { CsrfField, ErrorSummary, Field, FileField, Notice, Select, Time } from '../../core/web/components.js';
import type { ContentImage } from './service.js';

type Values = Record<string, string | undefined>;
type Errors = Record<string, string> | undefined;

/**
 * An image of the website at the right size for the screen: WebP where the browser takes it, the fallback elsewhere.
 * `alt` overrides the image's own description for this one use; `decorative` says it adds nothing to the words.
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
        alt={p.decorative ? '' : (p.alt ?? p.image.alt)}
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
        author), so a photograph never tells anyone where it was taken, and makes smaller copies for phones.
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
        <p>No images yet.</p>
      ) : (
        <ul class="plain-list content-images">
          {p.images.map((i) => (
            <li key={i.id} id={`image-${i.id}`} class="content-image">
              <Picture image={i} sizes="20rem" />
              <form method="post" action={`/admin/content/images/${i.id}`} class="form">
                <CsrfField token={p.csrf} />
                <div class="field">
                  <label for={`f-alt-${i.id}`}>What the image shows</label>
                  <input id={`f-alt-${i.id}`} name="alt" type="text" value={i.alt} maxLength={300} required />
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
                <button type="submit" class="button-secondary">
                  Delete this image
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
