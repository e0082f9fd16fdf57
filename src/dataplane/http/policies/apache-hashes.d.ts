// Types of two small CommonJS packages without their own (module.exports = function).
declare module 'apache-md5' {
  /** apr1 MD5 crypt: hash `password` with the salt of `salt` (a full `$apr1$salt$…` hash works). */
  const apacheMd5: (password: string, salt?: string) => string;
  export default apacheMd5;
}
declare module 'apache-crypt' {
  /** Traditional DES crypt(3): the first two characters of `salt` are the salt. */
  const apacheCrypt: (password: string, salt?: string) => string;
  export default apacheCrypt;
}
