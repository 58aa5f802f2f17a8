package com.example.mapper;

import java.util.List;
import org.apache.ibatis.annotations.Mapper;
import org.apache.ibatis.annotations.Param;
import org.apache.ibatis.annotations.Select;
import org.apache.ibatis.annotations.Update;

@Mapper
public interface UserMapper {
    // ruleid: br102-java-mybatis-string-substitution
    @Select("SELECT * FROM users WHERE name = '${name}'")
    List<User> byName(@Param("name") String name);

    // ruleid: br102-java-mybatis-string-substitution
    @Select({"SELECT * FROM users", "ORDER BY ${column}"})
    List<User> sorted(@Param("column") String column);

    // ruleid: br102-java-mybatis-string-substitution
    @Update(value = "UPDATE users SET status = '${status}' WHERE id = #{id}")
    int setStatus(@Param("id") long id, @Param("status") String status);

    // ok: br102-java-mybatis-string-substitution
    @Select("SELECT * FROM users WHERE name = #{name}")
    List<User> byNameSafe(@Param("name") String name);

    // ok: br102-java-mybatis-string-substitution
    @Select({"SELECT * FROM users", "WHERE id IN (#{ids})"})
    List<User> byIds(@Param("ids") List<Long> ids);

    // ok: br102-java-mybatis-string-substitution
    @Deprecated
    List<User> notAMapperStatement(String name);
}
