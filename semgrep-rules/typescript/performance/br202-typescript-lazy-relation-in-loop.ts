import { Post, User } from './models';

export async function commentCounts() {
  const posts = await Post.findAll({ where: { published: true } });
  const out: Record<string, number> = {};
  for (const post of posts) {
    // ruleid: br202-typescript-lazy-relation-in-loop
    const comments = await post.getComments();
    out[post.id] = comments.length;
  }
  return out;
}

export async function withAuthors() {
  const posts = await Post.find({ published: true });
  for (const post of posts) {
    // ruleid: br202-typescript-lazy-relation-in-loop
    await post.populate('author');
  }
  return posts;
}

export async function lazyTypeorm(repo: any) {
  for (const user of await repo.findBy({ active: true })) {
    // ruleid: br202-typescript-lazy-relation-in-loop
    const profile = await user.profile;
    console.log(profile);
  }
}

// ---------------------------------------------------------------- negatives

export async function eager() {
  const posts = await Post.findAll({ include: ['comments'] });
  for (const post of posts) {
    // ok: br202-typescript-lazy-relation-in-loop
    console.log(post.comments.length);
  }
}

export async function notFromAQuery(posts: any[]) {
  for (const post of posts) {
    // ok: br202-typescript-lazy-relation-in-loop
    const comments = await post.getComments();
  }
}
