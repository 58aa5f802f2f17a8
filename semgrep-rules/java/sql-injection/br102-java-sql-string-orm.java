package com.example.repo;

import java.util.List;
import javax.persistence.EntityManager;
import javax.persistence.TypedQuery;
import org.hibernate.Criteria;
import org.hibernate.Session;
import org.hibernate.criterion.Restrictions;

public class OrderRepository {
    private static final String ORDER_TABLE = "orders";
    private EntityManager em;
    private Session session;

    public List<Order> jpql(String status) {
        // ruleid: br102-java-sql-string-orm
        return em.createQuery("SELECT o FROM Order o WHERE o.status = '" + status + "'", Order.class).getResultList();
    }

    public List<?> nativeQuery(String tenant) {
        StringBuilder sb = new StringBuilder("SELECT * FROM invoices WHERE tenant = '");
        sb.append(tenant).append("'");
        // ruleid: br102-java-sql-string-orm
        return em.createNativeQuery(sb.toString()).getResultList();
    }

    public List<Order> formatted(String customer) {
        String jpql = String.format("from Order where customer = '%s'", customer);
        // ruleid: br102-java-sql-string-orm
        TypedQuery<Order> q = em.createQuery(jpql, Order.class);
        return q.getResultList();
    }

    public List<?> hibernate(String id) {
        // ruleid: br102-java-sql-string-orm
        return session.createSQLQuery("select * from orders where id = " + id).list();
    }

    public List<?> hibernateHql(String sort) {
        String hql = "from Order o order by ";
        hql += sort;
        // ruleid: br102-java-sql-string-orm
        return session.createQuery(hql).list();
    }

    public List<?> criteria(String name) {
        Criteria criteria = session.createCriteria(Order.class);
        // ruleid: br102-java-sql-string-orm
        criteria.add(Restrictions.sqlRestriction("customer = '" + name + "' and 1=1"));
        return criteria.list();
    }

    public List<?> fragment(String column) {
        Criteria criteria = session.createCriteria(Order.class);
        // ruleid: br102-java-sql-string-orm
        criteria.add(Restrictions.sqlRestriction(column + " = 1"));
        return criteria.list();
    }

    // ------------------------------------------------------------ negatives

    public List<Order> jpqlParam(String status) {
        // ok: br102-java-sql-string-orm
        return em.createQuery("SELECT o FROM Order o WHERE o.status = :status", Order.class)
                .setParameter("status", status).getResultList();
    }

    public List<?> constantTable() {
        // ok: br102-java-sql-string-orm
        return em.createNativeQuery("SELECT * FROM " + ORDER_TABLE).getResultList();
    }

    public List<?> localConstant() {
        final String where = " where id = 1337";
        final String sql = "select * from orders" + where;
        // ok: br102-java-sql-string-orm
        return session.createSQLQuery(sql).list();
    }

    public Order byId(long id) {
        // ok: br102-java-sql-string-orm
        return em.createQuery("SELECT o FROM Order o WHERE o.id = " + id, Order.class).getSingleResult();
    }

    public List<?> criteriaBound(String name) {
        Criteria criteria = session.createCriteria(Order.class);
        // ok: br102-java-sql-string-orm
        criteria.add(Restrictions.sqlRestriction("customer = ?", name, StandardBasicTypes.STRING));
        return criteria.list();
    }

    public void jdbcIsBr101(org.springframework.jdbc.core.JdbcTemplate jdbcTemplate, String id) {
        // ok: br102-java-sql-string-orm
        jdbcTemplate.update("DELETE FROM orders WHERE id = " + id);
    }
}
